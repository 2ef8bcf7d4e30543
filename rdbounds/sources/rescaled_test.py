"""Standardized units: the bounds do not depend on the data's scale or offset."""

import numpy as np
import pytest

from rdbounds import estimators
from rdbounds.sources import GaussianSource
from rdbounds.sources import rescaled

SCALE, OFFSET = 0.03, 5.0


def _pair():
  """N(0, diag(1, 1/4)) and the same source scaled by 0.03 and shifted by 5."""
  scales = np.array([1.0, 0.5])
  return (GaussianSource(np.zeros(2), scales),
          GaussianSource(np.full(2, OFFSET), SCALE * scales, name="scaled"))


def test_standardized_samples_have_zero_mean_and_unit_rms_std():
  _, scaled = _pair()
  units = rescaled.Rescaled.of(scaled)
  x = np.asarray(units.sample(200_000, seed=3, split="test"))
  assert np.all(np.abs(x.mean(0)) < 0.01)
  assert np.mean(x.var(0)) == pytest.approx(1.0, abs=0.01)
  assert units.scale == pytest.approx(SCALE * np.sqrt((1 + 0.25) / 2), rel=0.01)
  assert units.distortion(units.lmbda(2.0) / 2.0) == pytest.approx(units.scale**4)


@pytest.mark.parametrize("estimator, overrides", [
    ("upper_bound", dict(steps=300, eval_samples=20_000)),
    ("lower_bound", dict(steps=60, k=128, eval_k=None, m=4)),
])
def test_rows_are_the_same_in_any_units(estimator, overrides):
  unit, scaled = _pair()
  entry = estimators.get(estimator)
  config = entry.config("quick", **overrides)
  rows = []
  for source, lmbda in ((unit, 3.0), (scaled, 3.0 / SCALE**2)):
    job, = entry.plan_jobs([lmbda], 0, config, source.spec)
    rows.append(entry(source, job, estimators.JobContext())[0])
  a, b = rows
  if estimator == "upper_bound":
    # Same point: distortion scales by SCALE^2, rate is unchanged.
    assert b.distortion / SCALE**2 == pytest.approx(a.distortion, rel=2e-3)
    assert b.rate_nats == pytest.approx(a.rate_nats, rel=2e-3, abs=1e-4)
  else:
    assert b.intercept_nats == pytest.approx(a.intercept_nats, rel=2e-3)


def test_held_out_batches_stay_disjoint_and_refuse_what_the_data_cannot_supply(tmp_path):
  from rdbounds.sources import arrays
  data = np.arange(400, dtype=np.float32).reshape(200, 2) * SCALE + OFFSET
  np.save(tmp_path / "x.npy", data)
  units = rescaled.Rescaled.of(arrays.ArraySource(str(tmp_path / "x.npy"), test_fraction=0.5))
  batches = units.test_batches(k=25, num_batches=4, seed=1)
  rows = np.concatenate([np.asarray(batches[j]) * units.scale + units.loc for j in range(4)])
  assert len(np.unique(rows[:, 0])) == 100  # all 100 held-out rows, none twice
  with pytest.raises(ValueError, match="need 125 held-out samples, the data have 100"):
    units.test_batches(k=25, num_batches=5, seed=1)
