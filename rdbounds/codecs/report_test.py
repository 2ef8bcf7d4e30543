"""The comparison report: distances to the envelopes and BD-rates on constructed curves, and
the report against JPEG."""

import math

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds.codecs import report
from rdbounds.sources import make_source


def _point(estimator, d, r, pixels=None, run_id=""):
  return curves.Record(source="s", estimator=estimator, distortion=d, rate_nats=r,
                       pixels_per_sample=pixels, run_id=run_id)


class CompareTest(tf.test.TestCase):

  def test_vector_distances_at_equal_distortion(self):
    # UB envelope through (0.1, 2) and (0.5, 1); one LB line R >= 2.2 - 4 D.
    records = [_point("upper_bound", 0.1, 2.0), _point("upper_bound", 0.5, 1.0),
               curves.Record(source="s", estimator="lower_bound", lmbda=4.0, intercept_nats=2.2),
               _point("codec:x", 0.3, 1.9)]
    c, = report.compare(records)
    self.assertNear(c.to_ub, 1.9 - 1.5, 1e-12)
    self.assertNear(c.to_lb, 1.9 - (2.2 - 1.2), 1e-12)
    self.assertTrue(math.isnan(c.to_reference))

  def test_vector_reference_is_the_analytic_rd(self):
    source = make_source("gaussian", dim=2)
    c, = report.compare([_point("codec:x", 0.25, 2.0)], source)
    self.assertNear(c.to_reference, 2.0 - math.log(4.0), 1e-9)

  def test_image_distances_in_db_at_equal_rate(self):
    pixels = 64
    # UB envelope: D = 0.01 at R = 100 nats, D = 0.001 at R = 300 nats.
    records = [_point("upper_bound", 0.01, 100.0, pixels), _point("upper_bound", 0.001, 300.0, pixels),
               curves.Record(source="s", estimator="lower_bound", lmbda=1e4, intercept_nats=250.0),
               _point("codec:jpeg", 0.004, 200.0, pixels)]
    c, = report.compare(records)
    ub_d = 0.0055  # Linear in (R, D) halfway between the vertices.
    self.assertNear(c.to_ub, -10 * math.log10(ub_d) + 10 * math.log10(0.004), 1e-9)
    lb_d = (250.0 - 200.0) / 1e4  # The LB line allows no smaller D at this rate.
    self.assertNear(c.to_lb, -10 * math.log10(lb_d) + 10 * math.log10(0.004), 1e-9)

  def test_beyond_the_envelope_a_monotone_bound_replaces_n_a(self):
    # R(D) falls as D grows: beyond the UB envelope's range the nearest vertex still bounds it.
    pixels = 64
    ub = [_point("upper_bound", 0.01, 100.0, pixels), _point("upper_bound", 0.001, 300.0, pixels)]
    image, = report.compare(ub + [_point("codec:jpeg", 0.0005, 400.0, pixels)])
    self.assertTrue(image.to_ub_at_least)  # 400 nats is beyond the envelope's 300
    self.assertNear(image.to_ub, 10 * math.log10(0.0005 / 0.001), 1e-9)  # -3 dB, at least
    vector, = report.compare([_point("upper_bound", 0.1, 2.0), _point("upper_bound", 0.5, 1.0),
                              _point("codec:x", 0.8, 1.2)])
    self.assertTrue(vector.to_ub_at_least)
    self.assertNear(vector.to_ub, 1.2 - 1.0, 1e-12)
    self.assertIn("| >= -3.01 |", report.markdown(
        ub + [_point("codec:jpeg", 0.0005, 400.0, pixels, run_id="codec:jpeg-q=90")]))


class BDRateTest(tf.test.TestCase):

  def test_identical_curves_give_zero_and_scaled_rates_give_the_scale(self):
    d = np.geomspace(0.01, 0.5, 6)
    r = 0.5 * np.log(1 / d) + 0.2
    self.assertNear(report.bd_rate(d, r, d, r), 0.0, 1e-9)
    self.assertNear(report.bd_rate(d, 1.1 * r, d, r), 10.0, 1e-6)
    self.assertNear(report.bd_rate(d, 0.8 * r, d, r), -20.0, 1e-6)

  def test_no_overlap_is_nan(self):
    self.assertTrue(math.isnan(report.bd_rate([0.5, 0.4], [1, 2], [0.01, 0.02], [5, 6])))

  def test_markdown_lists_every_codec_point_and_bd_rate(self):
    records = [_point("upper_bound", 0.1, 2.0), _point("upper_bound", 0.5, 1.0),
               _point("codec:scalar", 0.3, 1.9, run_id="codec:scalar-step=1"),
               _point("codec:scalar", 0.15, 2.4, run_id="codec:scalar-step=0.5")]
    text = report.markdown(records)
    self.assertIn("step=0.5", text)
    self.assertIn("codec:scalar:", text)
    self.assertEqual(text.count("| codec:scalar |"), 2)

  def test_markdown_says_which_upper_bound_points_are_at_their_ceiling(self):
    ceiling = math.log(1024)
    records = [curves.Record(source="s", estimator="wgd", lmbda=l, distortion=d, rate_nats=r,
                             ceiling_nats=ceiling) for l, d, r in ((1.0, 0.5, 4.2),
                                                                   (3.0, 0.1, 6.62))]
    records.append(_point("codec:scalar", 0.3, 1.9))
    pinned, = [line for line in report.markdown(records).splitlines() if "rate ceiling" in line]
    self.assertIn("wgd at lambda=3 (6.62 of 6.93 nats)", pinned)
    self.assertNotIn("lambda=1 ", pinned)
    self.assertNotIn("rate ceiling", report.markdown(records[:1] + records[2:]))


PIXELS = 1024


def _curve(estimator, scale, header_share=None):
  """Image points with R = scale * (ln(1 / D) + 1) nats per sample at D in [1e-4, 1e-2]."""
  records = []
  for i, d in enumerate(np.geomspace(1e-4, 1e-2, 5)):
    rate = scale * (math.log(1 / d) + 1)
    header = None if header_share is None else header_share * rate / math.log(2)
    records.append(curves.Record(source="s", estimator=estimator, distortion=float(d),
                                 rate_nats=rate, pixels_per_sample=PIXELS, header_bits=header,
                                 run_id=f"{estimator}-q={i}"))
  return records


class JpegReportTest(tf.test.TestCase):

  def test_bd_rate_against_jpeg_is_the_rate_ratio_at_equal_psnr(self):
    records = (_curve("codec:jpeg", 1.0) + _curve("codec:webp", 0.5)
               + _curve("codec:jpeg2000", 2.0))
    against_jpeg = report.bd_rates(records, anchor=report.JPEG)
    assert set(against_jpeg) == {"codec:webp", "codec:jpeg2000"}  # Not JPEG against itself.
    assert math.isclose(against_jpeg["codec:jpeg2000"], 100.0, abs_tol=1e-6)  # Twice the rate.
    assert math.isclose(against_jpeg["codec:webp"], -50.0, abs_tol=1e-6)  # Half the rate.
    text = report.markdown(records)
    assert "BD-rate against JPEG" in text
    assert "* codec:jpeg2000: 100%" in text and "* codec:webp: -50%" in text

  def test_no_jpeg_rows_no_jpeg_section(self):
    assert "against JPEG" not in report.markdown(_curve("codec:webp", 0.5))

  def test_header_share_of_the_rate_is_a_column(self):
    text = report.markdown(_curve("codec:jpeg", 1.0, header_share=0.125))
    rows = [line for line in text.splitlines() if line.startswith("| codec:jpeg |")]
    assert len(rows) == 5 and all(row.endswith("| 12.5% |") for row in rows)
    no_headers = report.markdown(_curve("codec:hyperprior", 1.0))
    assert "| n/a |" in no_headers

  def test_setting_column_names_the_operating_point_not_the_job(self):
    record = curves.Record(source="s", estimator="codec:jpeg", distortion=0.01, rate_nats=70.0,
                           pixels_per_sample=PIXELS, run_id="codec_jpeg-seed=0-518f981331:quality=5")
    assert "| codec:jpeg | quality=5 |" in report.markdown([record])
    # A user's setting may hold colons; the job id never does.
    mine = curves.Record(source="s", estimator="points:mine", distortion=0.01, rate_nats=70.0,
                         pixels_per_sample=PIXELS, run_id="points_mine-0123456789:yuv=4:4:4 q=9")
    assert "| points:mine | yuv=4:4:4 q=9 |" in report.markdown([mine])


if __name__ == "__main__":
  tf.test.main()

