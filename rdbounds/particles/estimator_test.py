"""The wgd estimator end to end: tight achievable points against closed-form R(D), and the
warning when the rate meets its ln p ceiling."""

import math

import pytest

from rdbounds import estimators
from rdbounds.particles import config
from rdbounds.sources import make_source

# Small enough for a test (a few seconds), still tight on these low-dimensional sources.
SMALL = config.WGDConfig(particles=256, steps=300, batch=512, eval_samples=100_000,
                         log_every=1000)


def _run(source, lmbda, cfg, lines=None):
  job = estimators.Job("wgd", lmbda, 0, cfg, source.spec)
  context = estimators.JobContext(log=(lines.append if lines is not None else lambda _: None))
  (record,) = estimators.get("wgd")(source, job, context)
  return record


@pytest.mark.parametrize("lmbda", [3.0, 10.0])
def test_gaussian_point_within_one_percent_of_water_filling(lmbda):
  source = make_source("gaussian", dim=2)
  record = _run(source, lmbda, SMALL)
  truth = float(source.analytic.rate(record.distortion))
  assert record.estimator == "wgd" and record.steps == 300 and record.n_eval == 100_000
  assert record.ceiling_nats == pytest.approx(math.log(256))
  # Achievable: not below R(D) beyond noise; tight: within 1% of it at the point's own D.
  assert record.rate_nats > truth - 3 * record.rate_nats_se
  assert record.rate_nats < 1.01 * truth
  assert 0.8 * 2 / (2 * lmbda) < record.distortion < 1.2 * 2 / (2 * lmbda)  # D ~ n / (2 lambda)


def test_deconvolution_point_is_valid_and_within_two_percent():
  source = make_source("deconvolution", dim=4, atoms=16, noise_std=0.5, seed=1)
  lmbda = 2 * source.analytic.min_lambda  # D near s^2 / 2: inside the closed form's range
  record = _run(source, lmbda, SMALL.override(particles=512))
  assert record.distortion <= source.noise_std**2
  truth = float(source.analytic.rate(record.distortion))
  se = math.hypot(record.rate_nats_se, source.analytic.rate_se)
  assert truth - 3 * se < record.rate_nats < 1.02 * truth


def test_rate_at_its_ln_p_ceiling_is_flagged():
  # Four particles at lambda = 30, where R(D) is ln 30 = 3.4 nats: the rate runs into ln 4.
  lines = []
  record = _run(make_source("gaussian", dim=2), 30.0, SMALL.override(particles=4), lines)
  assert record.ceiling_nats == pytest.approx(math.log(4))
  assert record.saturated
  assert any(line.startswith("warning: wgd lambda=30") and "more particles" in line
             for line in lines)
