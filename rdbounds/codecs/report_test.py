"""The report's BD-rates against JPEG and its header shares, on constructed curves."""

import math

import numpy as np

from rdbounds import curves
from rdbounds.codecs import report

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


def test_bd_rate_against_jpeg_is_the_rate_ratio_at_equal_psnr():
  records = (_curve("codec:jpeg", 1.0) + _curve("codec:webp", 0.5)
             + _curve("codec:jpeg2000", 2.0))
  against_jpeg = report.bd_rates(records, anchor=report.JPEG)
  assert set(against_jpeg) == {"codec:webp", "codec:jpeg2000"}  # Not JPEG against itself.
  assert math.isclose(against_jpeg["codec:jpeg2000"], 100.0, abs_tol=1e-6)  # Twice the rate.
  assert math.isclose(against_jpeg["codec:webp"], -50.0, abs_tol=1e-6)  # Half the rate.
  text = report.markdown(records)
  assert "BD-rate against JPEG" in text
  assert "* codec:jpeg2000: 100%" in text and "* codec:webp: -50%" in text


def test_no_jpeg_rows_no_jpeg_section():
  assert "against JPEG" not in report.markdown(_curve("codec:webp", 0.5))


def test_header_share_of_the_rate_is_a_column():
  text = report.markdown(_curve("codec:jpeg", 1.0, header_share=0.125))
  rows = [line for line in text.splitlines() if line.startswith("| codec:jpeg |")]
  assert len(rows) == 5 and all(row.endswith("| 12.5% |") for row in rows)
  no_headers = report.markdown(_curve("codec:hyperprior", 1.0))
  assert "| n/a |" in no_headers


def test_setting_column_names_the_operating_point_not_the_job():
  record = curves.Record(source="s", estimator="codec:jpeg", distortion=0.01, rate_nats=70.0,
                         pixels_per_sample=PIXELS, run_id="codec_jpeg-seed=0-518f981331:quality=5")
  assert "| codec:jpeg | quality=5 |" in report.markdown([record])
