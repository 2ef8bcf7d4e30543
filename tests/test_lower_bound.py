"""The lower-bound estimator against known answers: Blahut's bound, the Gaussian intercept, ln k."""

import math
import tempfile

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds import blahut_arimoto
from rdbounds import estimators
from rdbounds.lower import estimator as lb_estimator
from rdbounds.lower import evaluator
from rdbounds.lower import models
from rdbounds.lower import trainer as trainer_lib
from rdbounds.sources import base
from rdbounds.sources import make_source


class DiscreteSource(base.Source):
  """1-d source on a few points with given probabilities."""

  def __init__(self, points, probs):
    self.points = np.asarray(points, np.float32)
    self.probs = np.asarray(probs, np.float64)
    self.event_shape = (1,)
    self.name = "discrete"

  def _sample(self, batch_size, seed, split):
    index = tf.random.stateless_categorical(
        tf.math.log(tf.constant(self.probs[None, :], tf.float32)), batch_size, seed)[0]
    return tf.gather(tf.constant(self.points), index)[:, None]


class TableLogU:
  """log u from a table over the source points (nearest point)."""

  def __init__(self, points, log_u):
    self.points = tf.constant(np.asarray(points, np.float32))
    self.log_u = tf.constant(np.asarray(log_u, np.float32))

  def __call__(self, x):
    index = tf.argmin(tf.abs(x - self.points[None, :]), axis=1)
    return tf.gather(self.log_u, index)


class LowerBoundTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(0.5, 4.0)
  def test_blahut_optimal_u_reproduces_blahuts_lower_bound(self, lmbda):
    # Source on 3 points; reproductions on a fine grid, so BA's max over the grid is the
    # sup over y up to a negligible grid error. With u = BA's optimal u, the estimator's
    # E[xi] is Blahut's lower bound minus the finite-k bias of E[C_k] (small at this k).
    points, probs = np.array([-1.0, 0.0, 1.0]), np.array([0.25, 0.5, 0.25])
    grid = np.linspace(-1.5, 1.5, 601)
    d = (points[:, None] - grid[None, :])**2
    ba = blahut_arimoto.blahut_arimoto(probs, d, lmbda, tol=1e-7, max_iterations=200000)
    source = DiscreteSource(points, probs)
    result = evaluator.evaluate(TableLogU(points, ba.log_u), source, lmbda, k=2048, m=15)
    half_width = result.ci_high - result.intercept
    self.assertLessEqual(result.ci_low, ba.intercept_lower + 1e-6)  # valid
    # Finite-k bias: C_k is a max over modes of empirical averages; where q* has J support
    # points tied at c_j = 1, E[max] exceeds 1 by at most sqrt(2 ln J) times the relative
    # standard deviation of the empirical mass of the rarest point.
    support = int(np.sum(ba.q > 1e-3))
    p_min = probs.min()
    bias = math.sqrt(2 * math.log(max(support, 2))) * math.sqrt((1 - p_min) / (p_min * 2048))
    self.assertGreater(result.intercept, ba.intercept_lower - 3 * half_width - bias)

  def test_short_training_on_standard_gaussian_is_valid(self):
    source = make_source("gaussian", dim=2)
    lmbda = 3.0
    log_u = models.mlp_log_u((2,), widths=(32, 32))
    log_u.standardize_from(source.sample(2000, seed=1).numpy())
    trainer = trainer_lib.LowerBoundTrainer(
        log_u, source, trainer_lib.LambdaSchedule(lmbda, lmbda, 150), k=256, seed=0,
        lr=3e-3, log=lambda line: None)
    trainer.run()
    result = evaluator.evaluate(log_u, source, lmbda, k=256, m=10)
    truth = float(source.analytic.intercept(lmbda))
    self.assertLessEqual(result.ci_low, truth)
    self.assertGreater(result.intercept, 0.3 * truth)  # it did learn something
    self.assertTrue(np.all(result.xi <= math.log(256) + 1e-9))

  @parameterized.parameters((1.0, 0.0), (1e4, -1.0), (30.0, 5.0))
  def test_every_draw_is_below_the_ceiling(self, lmbda, log_u_scale):
    # Random networks, scaled up to make u extreme; and a constant u (scale -1) at a lambda
    # so large that each sample is its own mode, which drives xi to ln k: no draw may
    # exceed ln k.
    source = make_source("gaussian", dim=2)
    log_u = models.mlp_log_u((2,), widths=(16,))
    scaled = lambda x: log_u(x) * (1.0 + log_u_scale)
    k = 128
    result = evaluator.evaluate(scaled, source, lmbda, k=k, m=5)
    self.assertTrue(np.all(result.xi <= math.log(k) + 1e-9), result.xi)
    if lmbda > 1e3:
      self.assertGreater(result.intercept, 0.9 * math.log(k))
    self.assertEqual(result.saturated, result.intercept >= 0.95 * math.log(k))

  def test_lambda_schedule_reaches_each_requested_lambda(self):
    schedule = trainer_lib.LambdaSchedule(3.0, 30.0, warmup_steps=100, anneal_steps=270)
    for lmbda in (3.0, 10.0, 30.0):
      step = schedule.step_at(lmbda)
      self.assertGreaterEqual(float(schedule(step)), lmbda - 1e-4)
      if step > 100:
        self.assertLess(float(schedule(step - 1)), lmbda)

  def test_annealed_estimator_returns_one_record_per_lambda(self):
    source = make_source("gaussian", dim=2)
    entry = estimators.get("lower_bound")
    config = entry.config("quick", k=128, m=3, steps=40, anneal=True, anneal_steps=40,
                          widths=[16], log_every=1000)
    jobs = entry.plan_jobs([1.0, 4.0], 0, config, source.describe())
    self.assertLen(jobs, 1)
    workdir = tempfile.mkdtemp()
    records = entry(source, jobs[0], estimators.JobContext(workdir=workdir))
    self.assertEqual([r.lmbda for r in records], [1.0, 4.0])
    self.assertEqual([r.steps for r in records], [40, 80])
    for record in records:
      self.assertEqual(record.estimator, "lower_bound")
      self.assertAllClose(record.ceiling_nats, math.log(128))
      self.assertLessEqual(record.intercept_ci_low, record.intercept_nats)
      self.assertLessEqual(record.intercept_nats,
                           float(source.analytic.intercept(record.lmbda)) + 0.5)
    # A second run resumes from the checkpoints and snapshots: same lines.
    again = entry(source, jobs[0], estimators.JobContext(workdir=workdir))
    self.assertAllClose([r.intercept_nats for r in again], [r.intercept_nats for r in records])


if __name__ == "__main__":
  tf.test.main()
