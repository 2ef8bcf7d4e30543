"""Records, the CSV schema (and files written before its last column), atomic writes, the
envelopes, and saturation against ceilings (LB intercepts: ln k; WGD rates: ln p)."""

import dataclasses
import math
import os

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import theory


def _records():
  return [
      curves.Record(source="gaussian-dim=2", estimator="upper_bound", lmbda=3.0,
                    distortion=0.3412345678901234, distortion_se=0.001, rate_nats=1.12,
                    rate_nats_se=0.004, n_eval=100000, steps=2000, seconds=12.5, seed=0, run_id="a"),
      curves.Record(source="gaussian-dim=2", estimator="lower_bound", lmbda=3.0,
                    intercept_nats=2.01, intercept_ci_low=1.98, intercept_ci_high=2.04,
                    ceiling_nats=math.log(4096), n_eval=60, seed=1, run_id="b"),
      curves.Record(source="gan-32x32x3", estimator="codec:jpeg", distortion=0.01,
                    rate_nats=700.0, pixels_per_sample=1024, n_eval=64, run_id="c"),
  ]


class CurvesTest(tf.test.TestCase):

  def test_csv_round_trip_and_column_order(self):
    path = os.path.join(self.get_temp_dir(), "curves.csv")
    curves.write_csv(path, _records())
    with open(path) as f:
      header = f.readline().strip().split(",")
    # The documented schema (README, docs/method.md), spelled out: not curves.COLUMNS again.
    self.assertEqual(header, [
        "source", "estimator", "lambda", "distortion", "distortion_se", "rate_nats",
        "rate_nats_se", "rate_bits", "bpp", "psnr_db", "intercept_nats", "intercept_ci_low",
        "intercept_ci_high", "ceiling_nats", "n_eval", "steps", "seconds", "seed", "run_id",
        "header_bits", "stale_code", "at_ceiling"])
    self.assertEqual(curves.read_csv(path), _records())

  def test_derived_columns(self):
    jpeg = _records()[2].row()
    self.assertAllClose(float(jpeg["rate_bits"]), 700 / math.log(2))
    self.assertAllClose(float(jpeg["bpp"]), 700 / math.log(2) / 1024)
    self.assertAllClose(float(jpeg["psnr_db"]), 20.0)
    lb = _records()[1].row()
    self.assertEqual(lb["distortion"], "")  # An LB row has no achieved point.
    self.assertEqual(lb["bpp"], "")

  def test_rejects_unknown_estimator_and_foreign_csv(self):
    with self.assertRaisesRegex(ValueError, "valid"):
      curves.Record(source="s", estimator="magic")
    path = os.path.join(self.get_temp_dir(), "other.csv")
    with open(path, "w") as f:
      f.write("a,b\n1,2\n")
    with self.assertRaisesRegex(ValueError, "not an rdbounds CSV"):
      curves.read_csv(path)

  def test_atomic_write_leaves_old_file_on_failure(self):
    path = os.path.join(self.get_temp_dir(), "atomic.csv")
    curves.write_csv(path, _records()[:1])

    def broken():
      yield _records()[0]
      raise RuntimeError("killed halfway")

    with self.assertRaises(RuntimeError):
      curves.write_csv(path, broken())
    self.assertEqual(curves.read_csv(path), _records()[:1])
    self.assertEqual([f for f in os.listdir(self.get_temp_dir()) if f.startswith(".tmp")], [])

  def test_lower_convex_envelope(self):
    # (2, 2) lies above the chord from (1, 3) to (3, 0.5); (4, 1) is dominated by (3, 0.5).
    d, r = curves.lower_convex_envelope([1, 2, 3, 4, 0.5], [3, 2, 0.5, 1, 5])
    self.assertAllClose(d, [0.5, 1, 3])
    self.assertAllClose(r, [5, 3, 0.5])

  def test_envelope_of_true_lines_is_below_true_curve_and_touches_it(self):
    truth = theory.GaussianRD([1.0, 0.5, 0.25])
    lambdas = np.array([1.0, 3.0, 10.0, 30.0])
    grid = np.geomspace(0.01, 0.5, 200)
    envelope = curves.upper_envelope_of_lines(truth.intercept(lambdas), lambdas, grid)
    self.assertTrue(np.all(envelope <= truth.rate(grid) + 1e-12))
    touch_d, touch_r = truth.point(lambdas)
    at_touch = curves.upper_envelope_of_lines(truth.intercept(lambdas), lambdas, touch_d)
    self.assertAllClose(at_touch, touch_r)


def _wgd(rate):
  return curves.Record(source="s", estimator="wgd", lmbda=30.0, distortion=0.3, rate_nats=rate,
                       ceiling_nats=math.log(4))


class SaturationAndSchemaTest(tf.test.TestCase):

  def test_point_rate_above_ninety_percent_of_its_ceiling_is_marked_in_the_csv(self):
    above, below = _wgd(0.91 * math.log(4)), _wgd(0.89 * math.log(4))
    assert above.is_at_ceiling and above.saturated and above.row()["at_ceiling"] == "1"
    assert not below.is_at_ceiling and not below.saturated and below.row()["at_ceiling"] == "0"
    # Without a ceiling (beta-VAE points) nothing is at a ceiling, and the cell stays empty.
    vae = curves.Record(source="s", estimator="upper_bound", distortion=0.3, rate_nats=1e3)
    assert not vae.is_at_ceiling and vae.row()["at_ceiling"] == ""
    # A lower bound's line has no point: its ceiling is judged by `saturated` (0.95 ln k).
    assert _records()[1].row()["at_ceiling"] == ""

  def test_a_point_its_estimator_marks_stays_marked_through_the_csv(self):
    # wgd at its largest particle count with the rate still above its growth target (0.8 ln p)
    # marks its row although the rate is below 90% of ln p.
    marked = dataclasses.replace(_wgd(0.85 * math.log(4)), at_ceiling=True)
    assert marked.is_at_ceiling and marked.row()["at_ceiling"] == "1"
    back, = curves.records_from_csv_text(curves.records_to_csv_text([marked]))
    assert back == marked and back.is_at_ceiling
    # Where the rate says so already, or where there is no point, the mark adds nothing.
    pinned = _wgd(0.95 * math.log(4))
    assert dataclasses.replace(pinned, at_ceiling=True) == pinned
    assert curves.Record(source="s", estimator="lower_bound", lmbda=1.0, intercept_nats=1.0,
                         ceiling_nats=2.0, at_ceiling=True).at_ceiling is None

  def test_line_is_judged_by_its_intercept_not_a_point(self):
    # A reference row carries a point and a line; the line's intercept is what meets ln k.
    record = curves.Record(source="s", estimator="lower_bound", lmbda=3.0, distortion=0.3,
                           rate_nats=0.1, intercept_nats=2.0, ceiling_nats=2.05)
    assert record.saturated
    assert not curves.Record(source="s", estimator="lower_bound", lmbda=3.0, rate_nats=2.0,
                             intercept_nats=1.0, ceiling_nats=2.05).saturated

  def test_csv_written_before_header_bits_reads_with_none(self):
    # experiments/testdata/small_sweep.csv predates the column; so do finished jobs of older runs.
    old_header = ",".join(curves.COLUMNS[:curves.COLUMNS.index("header_bits")])
    text = old_header + "\ns,codec:jpeg,,0.01,,700.0,,,,,,,,,64,,,,c\n"
    record, = curves.records_from_csv_text(text)
    assert record.header_bits is None
    assert record.rate_nats == 700.0 and record.run_id == "c"

  def test_csv_written_before_stale_code_reads_it_empty(self):
    header = ",".join(curves.COLUMNS[:curves.COLUMNS.index("stale_code")])
    row = "s,codec:jpeg,,0.01,,700.0,,,,,,,,,64,,,,c,8.5"
    record, = curves.records_from_csv_text(header + "\n" + row + "\n")
    assert record.stale_code == "" and record.header_bits == 8.5

  def test_csv_written_before_at_ceiling_reads_and_judges_by_the_rate(self):
    old_header = ",".join(c for c in curves.COLUMNS if c != "at_ceiling")
    text = old_header + f"\ns,wgd,30.0,0.3,,{0.95 * math.log(4)!r},,,,,,,,{math.log(4)!r},,,,,,,\n"
    record, = curves.records_from_csv_text(text)
    assert record.at_ceiling is None and record.is_at_ceiling

  def test_header_bits_round_trip(self):
    record = curves.Record(source="s", estimator="codec:jpeg", distortion=0.01, rate_nats=700.0,
                           pixels_per_sample=1024, header_bits=123.5)
    assert curves.records_from_csv_text(curves.records_to_csv_text([record])) == [record]


if __name__ == "__main__":
  tf.test.main()
