"""End-to-end checks of the upper bound against the closed-form Gaussian R(D)."""

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from rdbounds import estimators
from rdbounds.sources import GaussianSource
from rdbounds.upper import config as ub_config
from rdbounds.upper import vector_bound as ub


class QuickPresetTest(tf.test.TestCase):

  def test_quick_run_on_standard_gaussian_is_a_tight_valid_bound(self):
    source = GaussianSource.standard(2)
    est = estimators.get("upper_bound")
    lmbda = 3.0
    job, = est.plan_jobs([lmbda], 0, est.config("quick"), source.spec)
    record, = est(source, job, estimators.JobContext())
    self.assertEqual(record.estimator, "upper_bound")
    true_rate = float(source.analytic.rate(record.distortion))
    # Validity: an achievable point cannot lie below the curve (up to its standard error).
    self.assertGreaterEqual(record.rate_nats, true_rate - 3 * record.rate_nats_se)
    # Tightness: within 2% of R(D) at the achieved distortion (measured over seeds 0-5:
    # -0.5% to +0.0%, the rate's standard error being 0.2%).
    self.assertLessEqual(record.rate_nats, 1.02 * true_rate)
    # The point is where the curve has slope -lambda (D = 1 / lambda for N(0, I_2));
    # measured within 0.7%.
    self.assertAllClose(record.distortion, 1 / lmbda, rtol=0.02)


class WaterFillingTest(tf.test.TestCase, parameterized.TestCase):

  def test_no_decoder_learned_gaussian_prior_approaches_water_filling(self):
    # Variances 4, 1, 0.25, 1/16 at lambda = 4: water level theta = n / (2 lambda) = 0.5, so
    # the two large components get distortion 0.5 and the two small ones are not coded.
    scales = np.array([2.0, 1.0, 0.5, 0.25])
    source = GaussianSource(np.zeros(4), scales)
    lmbda = 4.0
    config = ub_config.UpperBoundConfig().override(
        prior="gaussian", posterior="gaussian", decoder=False, widths=(16,), steps=2000,
        batch=256, lr=0.01, eval_samples=100_000)
    model, _, ev = ub.train_and_evaluate(source, config, lmbda, seed=0, log=lambda line: None)

    true_rate = float(source.analytic.rate(ev.distortion.mean))
    self.assertGreaterEqual(ev.rate.mean, true_rate - 3 * ev.rate.se)
    self.assertLessEqual(ev.rate.mean, 1.05 * true_rate)
    intercept = float(source.analytic.intercept(lmbda))
    self.assertBetween(ev.lagrangian.mean, intercept - 3 * ev.lagrangian.se, intercept + 0.05)

    # Per-component distortions follow reverse water-filling: min(theta, s_i^2).
    x = source.sample(50_000, seed=123, split="test")
    y = model(x, tf.constant([4, 5]))["y"]
    per_dim = tf.reduce_mean(tf.square(x - y), axis=0)
    self.assertAllClose(per_dim, np.minimum(0.5, scales**2), atol=0.03)


if __name__ == "__main__":
  tf.test.main()
