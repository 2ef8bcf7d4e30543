"""The achievable envelope on constructed curves: its vertices, who supplies each stretch, and
its BD-rate against the learned bound where that has a closed form."""

import math

import pytest

from rdbounds import curves
from rdbounds.codecs import envelope

# A convex UB curve in (D, R): R = 1 / D at four distortions.
_UB_D = (0.1, 0.2, 0.4, 0.8)


def _point(estimator, d, r, pixels=None, run_id="", lmbda=None):
  return curves.Record(source="s", estimator=estimator, lmbda=lmbda, distortion=d, rate_nats=r,
                       pixels_per_sample=pixels, run_id=run_id)


def _ub(pixels=None):
  return [_point("upper_bound", d, 1.0 / d, pixels, f"ub-{i}", lmbda=10.0 * (i + 1))
          for i, d in enumerate(_UB_D)]


def test_a_codec_below_the_bound_everywhere_is_the_envelope_and_saves_its_rate_ratio():
  codec = [_point("codec:x", d, 0.8 / d, run_id=f"j:q={i}") for i, d in enumerate(_UB_D)]
  corners = envelope.vertices(_ub() + codec)
  assert [r.estimator for r in corners] == ["codec:x"] * 4
  assert [r.rate_nats for r in corners] == sorted(0.8 / d for d in _UB_D)
  # ln R differs by ln 0.8 at every PSNR: BD-rate exactly -20%.
  assert envelope.gain_over_upper_bound(_ub() + codec) == pytest.approx(-20.0, abs=1e-9)


def test_a_codec_above_the_bound_everywhere_leaves_it_and_gains_nothing():
  codec = [_point("codec:x", d, 1.3 / d) for d in _UB_D]
  records = _ub() + codec
  assert {r.estimator for r in envelope.vertices(records)} == {"upper_bound"}
  assert envelope.gain_over_upper_bound(records) == pytest.approx(0.0, abs=1e-12)
  assert [s.suppliers for s in envelope.stretches(envelope.vertices(records))] == [
      ("upper_bound",)]


def test_each_stretch_names_its_supplier_and_time_sharing_between_them():
  # A user's codec better at low distortion (high rate), the bound at high distortion.
  mine = [_point("points:mine", d, r, run_id=f"points_mine-0123456789:{name}")
          for d, r, name in ((0.05, 12.0, "fine"), (0.1, 7.0, "mid"))]
  records = _ub() + mine + [_point("codec:y", 0.3, 10.0)]  # Dominated: never a vertex.
  corners = envelope.vertices(records)
  assert [(r.estimator, r.distortion) for r in corners] == [
      ("upper_bound", 0.8), ("upper_bound", 0.4), ("upper_bound", 0.2),
      ("points:mine", 0.1), ("points:mine", 0.05)]
  parts = envelope.stretches(corners)
  assert [(s.suppliers, s.low, s.high) for s in parts] == [
      (("upper_bound",), 1.25, 5.0),
      (("upper_bound", "points:mine"), 5.0, 7.0),
      (("points:mine",), 7.0, 12.0)]
  text = envelope.markdown(records)
  assert "* 1.25 nats to 5 nats: upper_bound (lambda=40, lambda=30, lambda=20)" in text
  assert "* 5 nats to 7 nats: time sharing between upper_bound and points:mine" in text
  assert "* 7 nats to 12 nats: points:mine (mid, fine)" in text
  assert "| 4 | points:mine | mid | 0.1 | 7 |" in text


def test_image_runs_give_the_stretches_in_bits_per_pixel():
  pixels = 64
  scale = math.log(2) * pixels  # 1 bpp in nats per sample.
  records = _ub(pixels) + [_point("codec:x", 0.05, 30.0 * scale, pixels, "j:quality=9")]
  text = envelope.markdown(records)
  assert "* 30 bpp: codec:x (quality=9)" in text
  assert "| 5 | codec:x | quality=9 | 30 | 13.01 |" in text
  assert envelope.markdown([r for r in records if r.estimator == "lower_bound"]) == ""
