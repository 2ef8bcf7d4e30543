"""The wgd estimator end to end: tight achievable points against closed-form R(D), and the
warning when the rate meets its ln p ceiling."""

import math

import pytest
import tensorflow as tf

from rdbounds import estimators
from rdbounds.particles import config
from rdbounds.particles import growth
from rdbounds.sources import base
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


def test_image_shaped_gaussian_point_is_the_vector_point():
  # N(0, I_4) as 2 x 2 x 1 images: the particles see flattened samples, so the point is the
  # vector source's. Through a training pool of 20000 samples it stays achievable and close
  # (measured 1.9% above water-filling: a finite training set costs a little).
  source = make_source("gaussian", dim=4)
  images = _AsImages(source, (2, 2, 1))
  vector_point = _run(source, 10.0, SMALL)
  image_point = _run(images, 10.0, SMALL)
  assert image_point.rate_nats == pytest.approx(vector_point.rate_nats, rel=1e-5)
  assert image_point.distortion == pytest.approx(vector_point.distortion, rel=1e-5)
  pooled = _run(images, 10.0, SMALL.override(train_pool=20_000))
  truth = float(source.analytic.rate(pooled.distortion))
  assert truth - 3 * pooled.rate_nats_se < pooled.rate_nats < 1.03 * truth


class _AsImages(base.Source):
  """A vector source's samples reshaped to images of `event_shape`."""

  def __init__(self, source, event_shape):
    self.source, self.event_shape, self.name = source, tuple(event_shape), source.name

  @property
  def spec(self):
    return self.source.spec

  def _sample(self, batch_size, seed, split):
    return tf.reshape(self.source._sample(batch_size, seed, split),  # pylint: disable=protected-access
                      (batch_size,) + self.event_shape)


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


GROWING = SMALL.override(particles=16, grow_above=0.8, growth=4, max_particles=1024,
                         screen_samples=8192)


@pytest.mark.parametrize("grown_steps", [0, 100])
def test_particles_grow_until_the_rate_is_below_the_target_and_the_point_stays_valid(
    grown_steps):
  # N(0, I_2) at lambda = 30: R(D) = ln 30 = 3.4 nats at D = 1 / 30, beyond 0.8 ln 16 = 2.2.
  # Grown runs start at the last run's particles, so a third of the steps keeps them tight.
  lines = []
  source = make_source("gaussian", dim=2)
  record = _run(source, 30.0, GROWING.override(grown_steps=grown_steps), lines)
  assert record.steps == (grown_steps or GROWING.steps)
  grown = [line for line in lines if "split from these" in line]
  assert grown and "64 particles" in grown[0]
  assert record.ceiling_nats >= math.log(64) - 1e-6
  assert record.rate_nats <= 0.8 * record.ceiling_nats
  assert not record.is_at_ceiling and record.row()["at_ceiling"] == "0"
  truth = float(source.analytic.rate(record.distortion))
  assert record.rate_nats > truth - 3 * record.rate_nats_se  # achievable: above R(D)
  # Tighter than 16 or 32 particles can be (R + lambda D 13.6% above F = ln 30 + 1 with 32;
  # measured 5.8% with the 64 grown to here).
  assert record.rate_nats + 30.0 * record.distortion < 1.07 * (math.log(30.0) + 1.0)


def test_no_growth_where_the_rate_is_low_and_a_mark_where_the_cap_stops_it():
  source = make_source("gaussian", dim=2)
  lines = []
  low = _run(source, 3.0, GROWING, lines)  # R(D) = ln 3 = 1.1 nats, below 0.8 ln 16
  assert low.ceiling_nats == pytest.approx(math.log(16)) and low.steps == GROWING.steps
  assert not any("split from these" in line for line in lines)
  # lambda = 100 needs ln 100 = 4.6 nats; 64 particles carry at most 4.16.
  lines = []
  capped = _run(source, 100.0, GROWING.override(max_particles=64), lines)
  assert capped.ceiling_nats == pytest.approx(math.log(64), abs=1e-6)
  assert capped.is_at_ceiling and capped.row()["at_ceiling"] == "1"
  assert any("at least --wgd_max_particles=" in line for line in lines)
  truth = float(source.analytic.rate(capped.distortion))
  assert capped.rate_nats > truth - 3 * capped.rate_nats_se  # still an achievable point


def test_a_job_out_of_time_grows_no_further_and_its_point_is_marked():
  # lambda = 30 needs more than 16 particles carry (above); a job given a millisecond starts
  # no grown run, reports the first run's point, marked, and stays achievable.
  source = make_source("gaussian", dim=2)
  lines = []
  record = _run(source, 30.0, GROWING.override(max_seconds=1e-3), lines)
  assert not any("split from these" in line for line in lines)
  assert record.ceiling_nats == pytest.approx(math.log(16), abs=1e-6)
  assert record.is_at_ceiling
  assert any("--wgd_max_seconds=0.001 stopped growth" in line for line in lines)
  truth = float(source.analytic.rate(record.distortion))
  assert record.rate_nats > truth - 3 * record.rate_nats_se


def test_a_step_the_time_left_cannot_afford_is_halved_until_it_fits(monkeypatch):
  # Runs priced at a second per particle with 40 s for the job: from 16 particles the rule's
  # 64 would overrun, 32 fits; from 32, neither 128 nor 64 fits. The point of 32 particles
  # is reported, marked (lambda = 30 needs more than 0.8 ln 32), and stays achievable.
  monkeypatch.setattr(growth, "projected_end", lambda *args, config: float(args[-1]))
  source = make_source("gaussian", dim=2)
  lines = []
  record = _run(source, 30.0, GROWING.override(max_seconds=40.0), lines)
  assert any("64 particles would end the job about 64 s in" in line and "32 fit" in line
             for line in lines)
  assert record.ceiling_nats == pytest.approx(math.log(32), abs=1e-6)
  assert record.is_at_ceiling
  assert any("--wgd_max_seconds=40 stopped growth" in line for line in lines)
  truth = float(source.analytic.rate(record.distortion))
  assert record.rate_nats > truth - 3 * record.rate_nats_se
