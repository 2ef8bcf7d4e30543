"""The lower bound's quick preset: the demo's line on banana is close to Blahut-Arimoto's."""

import pytest

from rdbounds import estimators
from rdbounds import sources


def _intercept(name, source, lmbda):
  entry = estimators.get(name)
  job, = entry.plan_jobs([lmbda], 0, entry.config("quick"), source.spec)
  record, = entry(source, job, estimators.JobContext())
  return record


@pytest.mark.slow  # the demo's lower bound (~25 s): `make test-slow` (CI runs it)
def test_quick_lower_bound_on_banana_is_within_5_percent_of_blahut_arimoto():
  # The demo's source at its cheapest lambda. Measured with seed 0: 3.4 % below BA's F
  # (a ReLU MLP quick preset: 5.1 %; the softplus MLP before it: 13 %).
  source = sources.make_source(kind="banana")
  lmbda = 1.0
  truth = _intercept("blahut_arimoto", source, lmbda).intercept_nats
  lower = _intercept("lower_bound", source, lmbda)
  assert lower.intercept_ci_low <= truth  # valid: the lower confidence limit is below F
  assert lower.intercept_nats >= 0.95 * truth, (lower.intercept_nats, truth)
