"""The upper bound's configuration: the quick preset's points on banana, which model a source
gets, refused values."""

import pytest

from rdbounds import estimators
from rdbounds import sources
from rdbounds.upper import config
from rdbounds.upper import spatial_config


def _record(name, source, lmbda):
  entry = estimators.get(name)
  job, = entry.plan_jobs([lmbda], 0, entry.config("quick"), source.spec)
  record, = entry(source, job, estimators.JobContext())
  return record


def test_quick_upper_bound_on_banana_is_within_2_percent_of_blahut_arimoto():
  # The demo's largest lambda, where the quick beta-VAE it replaced was 6.4 % above BA's F;
  # the Gibbs channel measured 0.1 % below it (BA's histogram adds a little variance, so its
  # own F sits about 0.4 % above the truth).
  source = sources.make_source(kind="banana")
  lmbda = 10.0
  truth = _record("blahut_arimoto", source, lmbda).intercept_nats
  upper = _record("upper_bound", source, lmbda)
  lagrangian = upper.rate_nats + lmbda * upper.distortion
  assert abs(lagrangian - truth) <= 0.02 * truth, (lagrangian, truth)


@pytest.mark.parametrize("option", ["refine_steps", "warm_start_steps", "train_crop"])
def test_a_spatial_model_option_on_a_vector_source_is_refused_in_one_line(option):
  # Refinement, chains and crops are the spatial model's; vectors get another config class.
  with pytest.raises(ValueError, match=f"^{option}: not an option of UpperBoundConfig") as error:
    estimators.get("upper_bound").config("default", **{option: 100})
  assert "\n" not in str(error.value)


def test_photographs_get_the_spatial_model_and_other_sources_the_vector_one():
  ub = estimators.get("upper_bound")
  assert isinstance(ub.preset("default", image=True, photos=True), spatial_config.SpatialConfig)
  assert isinstance(ub.preset("default", image=True), config.UpperBoundConfig)
  assert isinstance(ub.preset("default"), config.UpperBoundConfig)
