"""The per-image report on constructed curves whose BD-rates have a closed form."""

import math

import pytest

from rdbounds import curves
from rdbounds import held_out_points
from rdbounds.codecs import per_image

# Each image's UB points, (lambda, bpp, PSNR dB): convex in (D, bpp), b lacks lambda 40.
_UB = {"a.png": [(10.0, 0.2, 28.0), (20.0, 0.5, 32.0), (40.0, 1.0, 35.0)],
       "b.png": [(10.0, 0.3, 30.0), (20.0, 0.8, 34.0)]}


def _points(estimator, run_id, lmbda, *file_bpp_psnr):
  return [held_out_points.ImagePoint(estimator, run_id, lmbda, f, 1000, bpp, psnr)
          for f, bpp, psnr in file_bpp_psnr]


def _ub():
  return [p for f, points in _UB.items() for lmbda, bpp, psnr in points
          for p in _points("upper_bound", f"ub-{lmbda:g}", lmbda, (f, bpp, psnr))]


def _shifted(estimator, factors):
  """A codec whose curve is each image's UB curve with the rate times factors[file]."""
  return [p for f, points in _UB.items() for i, (_, bpp, psnr) in enumerate(points)
          for p in _points(estimator, f"{estimator}:q={i}", None, (f, factors[f] * bpp, psnr))]


def test_a_codec_with_the_bound_rate_times_a_factor_has_that_bd_rate_per_image():
  points = _ub() + _shifted("codec:jpeg", {"a.png": 1.25, "b.png": 0.9})
  jpeg = per_image.bd_rates(points)["codec:jpeg"]
  assert jpeg.per_image["a.png"] == pytest.approx(25.0, abs=1e-9)
  assert jpeg.per_image["b.png"] == pytest.approx(-10.0, abs=1e-9)
  # Mean 7.5; the SE of two values is |25 - (-10)| / sqrt(2) / sqrt(2) = 17.5.
  assert (jpeg.mean, jpeg.se, jpeg.n) == (pytest.approx(7.5), pytest.approx(17.5), 2)


def test_an_image_whose_curves_do_not_overlap_in_psnr_is_n_a_and_left_out_of_the_mean():
  # On b the codec reaches only 40-44 dB, above b's UB curve (30-34 dB).
  points = _ub() + _shifted("codec:webp", {"a.png": 1.5, "b.png": 1.0})
  points = [p if p.file == "a.png" or p.estimator == "upper_bound"
            else held_out_points.ImagePoint(p.estimator, p.run_id, None, p.file, p.pixels,
                                            p.bpp, p.psnr_db + 10.0) for p in points]
  webp = per_image.bd_rates(points)["codec:webp"]
  assert math.isnan(webp.per_image["b.png"])
  assert (webp.mean, webp.n) == (pytest.approx(50.0), 1) and math.isnan(webp.se)
  assert "| codec:webp | n/a | +50.0% (n=1) | +50.0% | n/a |" in per_image.markdown([], points)


def test_ub_points_per_lambda_with_mean_and_se_of_psnr_over_images():
  columns = per_image.ub_points(_ub())
  assert [c.lmbda for c in columns] == [10.0, 20.0, 40.0]
  low, _, top = columns
  assert low.psnr_db.per_image == {"a.png": 28.0, "b.png": 30.0}
  assert (low.psnr_db.mean, low.psnr_db.se) == (pytest.approx(29.0), pytest.approx(1.0))
  assert (low.bpp.mean, low.bpp.se) == (pytest.approx(0.25), pytest.approx(0.05))
  assert math.isnan(top.psnr_db.per_image["b.png"]) and top.psnr_db.n == 1
  text = per_image.markdown([], _ub())
  assert "| a.png | 0.200 / 28.00 | 0.500 / 32.00 | 1.000 / 35.00 |" in text
  assert "| mean | 0.250 / 29.00 | 0.650 / 33.00 | 1.000 / 35.00 |" in text
  assert "| SE | 0.050 / 1.00 | 0.150 / 1.00 | n/a |" in text


def test_the_section_shows_the_pooled_bd_rate_beside_the_mean_over_images():
  points = _ub() + _shifted("codec:jpeg", {"a.png": 1.25, "b.png": 0.9})
  # Pooled records: image a's curves, in the units of a 64-pixel crop.
  record = lambda estimator, bpp, psnr: curves.Record(
      source="s", estimator=estimator, distortion=10 ** (-psnr / 10),
      rate_nats=bpp * 64 * math.log(2), pixels_per_sample=64)
  records = ([record("upper_bound", bpp, psnr) for _, bpp, psnr in _UB["a.png"]]
             + [record("codec:jpeg", 1.25 * bpp, psnr) for _, bpp, psnr in _UB["a.png"]])
  text = per_image.markdown(records, points)
  assert "## Per held-out image (2 images)" in text
  assert "| codec:jpeg | +25.0% | +7.5% ± 17.5% (n=2) | +25.0% | -10.0% |" in text
  assert per_image.markdown(records, []) == ""
