"""The particle log u: a valid and tight lower bound on a source with exact F, through the
estimator's checkpoints as well."""

import tempfile

import pytest
import tensorflow as tf

from rdbounds import estimators
from rdbounds.lower import evaluator
from rdbounds.lower import models
from rdbounds.lower import particle_log_u
from rdbounds.lower import trainer as trainer_lib
from rdbounds.sources import base
from rdbounds.sources import make_source
from rdbounds.sources import rescaled

K, M, STEPS, LR = 512, 10, 100, 3e-3


def _deconvolution():
  """n = 2, 8 atoms, s = 0.5 at lambda = n / (2 s^2) (exact F), in standardized units."""
  source = make_source("deconvolution", dim=2, atoms=8, noise_std=0.5, seed=1)
  lmbda = source.analytic.min_lambda
  units = rescaled.Rescaled.of(source, 0)
  return units, units.lmbda(lmbda), float(source.analytic.intercept(lmbda))


def _train_and_evaluate(log_u, units, lmbda):
  trainer_lib.LowerBoundTrainer(
      log_u, units, trainer_lib.LambdaSchedule(lmbda, lmbda, STEPS), k=K, seed=0, lr=LR,
      log=lambda line: None, log_every=10**6).run()
  return evaluator.evaluate(log_u, units, lmbda, K, M, seeds=[0])


class ParticleLogUTest(tf.test.TestCase):

  def test_valid_and_tighter_than_the_mlp_under_the_same_budget(self):
    units, lmbda, truth = _deconvolution()
    particles = particle_log_u.unset_log_u(64, 2)
    particle_log_u.initialize_from_wgd(particles, units, lmbda, steps=300, k=K)
    with_particles = _train_and_evaluate(particles, units, lmbda)
    tf.keras.utils.set_random_seed(0)
    mlp = models.mlp_log_u((2,), (64, 64))
    mlp.standardize_from(units.sample(10_000, seed=(0, 1)).numpy())
    with_mlp = _train_and_evaluate(mlp, units, lmbda)
    # Valid: the lower confidence limit is below F.
    self.assertLess(with_particles.ci_low, truth)
    # Tight: measured 8.1 % below F; a 2x64 MLP trained by the same steps 20.2 % below (the
    # particles also had 300 WGD steps).
    self.assertGreater(with_particles.intercept, 0.89 * truth)
    self.assertGreater(with_particles.intercept, with_mlp.intercept + 0.08 * truth)

  @pytest.mark.slow  # two estimator runs (~15 s): `make test-slow` (CI runs it)
  def test_estimator_resumes_a_particle_log_u_to_the_same_line(self):
    source = make_source("deconvolution", dim=2, atoms=8, noise_std=0.5, seed=1)
    lmbda = source.analytic.min_lambda
    entry = estimators.get("lower_bound")
    config = entry.config("quick", model="particles", particles=32, particle_steps=100, k=256,
                          m=5, steps=50, log_every=1000)
    job, = entry.plan_jobs([lmbda], 0, config, source.spec)
    workdir = tempfile.mkdtemp()
    record, = entry(source, job, estimators.JobContext(workdir=workdir))
    self.assertLess(record.intercept_ci_low, float(source.analytic.intercept(lmbda)))
    # 94% of F with these 32 particles and 50 steps (2026-12-04).
    self.assertGreater(record.intercept_nats, 0.85 * float(source.analytic.intercept(lmbda)))
    # Resumed: a particle log u of the same shapes reads the trained one's snapshot back
    # (particles, weights, kernel width, floor), as experiments/evaluate.py does.
    again, = entry(source, job, estimators.JobContext(workdir=workdir))
    self.assertAllClose(again.intercept_nats, record.intercept_nats)

  def test_untrained_log_u_has_a_floor_fit_for_the_evaluation_k(self):
    # N(0, I_4) at lambda = 7 (F = 4.51 > ln 16): WGD's particles, no gradient step, draws of
    # k = 16 named for training but evaluated at 1024. Measured (2026-12-04): 0.877 F with
    # the floor set for k = 1024, 0.70 F with the one a k = 16 draw would get.
    source = make_source("gaussian", dim=4)
    lmbda = 7.0
    truth = float(source.analytic.intercept(lmbda))
    entry = estimators.get("lower_bound")
    config = entry.config("quick", model="particles", particles=64, particle_steps=300, k=16,
                          eval_k=1024, m=5, steps=0, log_every=1000)
    job, = entry.plan_jobs([lmbda], 0, config, source.spec)
    record, = entry(source, job, estimators.JobContext(workdir=tempfile.mkdtemp()))
    self.assertLess(record.intercept_ci_low, truth)
    self.assertGreater(record.intercept_nats, 0.83 * truth)

  def test_bad_particle_options_are_refused_with_one_line(self):
    entry = estimators.get("lower_bound")
    for options, message in (({"particles": 0}, "particles must be >= 1"),
                             ({"particle_steps": -1}, "particle_steps must be >= 0"),
                             ({"floor_margin": "nan"}, "floor_margin must be finite"),
                             ({"kernel_fraction": 0}, "kernel_fraction must be a finite"),
                             ({"model": "gmm"}, "expected one of mlp, particles")):
      with self.assertRaisesRegex(ValueError, message):
        entry.config("default", **options)

  def test_on_images_valid_and_tight_against_the_exact_f(self):
    # The deconvolution source (n = 4, 8 atoms, s = 0.5, exact F at lambda = n / (2 s^2)),
    # its samples shaped as 2 x 2 x 1 images: the image path (WGD on flattened samples, the
    # body on flattened images, the evaluation's search on images) must give a valid line as
    # tight as on vectors. Measured: 14.7 % below F, the vectors' line to the last digit.
    source = make_source("deconvolution", dim=4, atoms=8, noise_std=0.5, seed=1)
    lmbda = source.analytic.min_lambda
    truth = float(source.analytic.intercept(lmbda))
    images = AsImages(source, (2, 2, 1))
    log_u = particle_log_u.unset_log_u(64, images.event_shape)
    particle_log_u.initialize_from_wgd(log_u, images, lmbda, steps=300, k=K)
    line = _train_and_evaluate(log_u, images, lmbda)
    self.assertLess(line.ci_low, truth)
    self.assertGreater(line.intercept, 0.83 * truth)


class AsImages(base.Source):
  """A vector source's samples reshaped to images of `event_shape`."""

  def __init__(self, source, event_shape):
    self.source, self.event_shape, self.name = source, tuple(event_shape), source.name

  def _sample(self, batch_size, seed, split):
    return tf.reshape(self.source._sample(batch_size, seed, split),  # pylint: disable=protected-access
                      (batch_size,) + self.event_shape)


if __name__ == "__main__":
  tf.test.main()
