"""Blahut-Arimoto against closed forms: Gaussian water-filling, its own bounds, the banana."""

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds import blahut_arimoto as ba
from rdbounds import theory
from rdbounds.sources import BananaSource


class BlahutArimotoTest(tf.test.TestCase, parameterized.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.gaussian_1d = np.random.default_rng(0).standard_normal(400_000)

  def test_gaussian_1d_matches_water_filling(self):
    truth = theory.GaussianRD([1.0])
    for result in ba.sweep_samples(self.gaussian_1d, [0.5, 2.0, 8.0], bins=300):
      # R at BA's own distortion, and the intercept, against the closed form.
      self.assertAllClose(result.rate_nats, truth.rate(result.distortion), atol=0.02)
      self.assertAllClose(result.intercept, truth.intercept(result.lmbda), atol=0.02)

  @parameterized.parameters(0.5, 2.0, 8.0)
  def test_bounds_bracket_and_meet(self, lmbda):
    centres, probs = ba.histogram(self.gaussian_1d, bins=80)
    d = ba.quadratic_distortion(centres, centres, np.eye(1))
    early = ba.blahut_arimoto(probs, d, lmbda, max_iterations=3)
    final = ba.blahut_arimoto(probs, d, lmbda, tol=1e-4, max_iterations=100_000)
    self.assertTrue(final.converged)
    self.assertLess(final.intercept_upper - final.intercept_lower, 1e-4)
    # Every iterate's bracket contains the converged value, and the bracket shrinks.
    self.assertLessEqual(early.intercept_lower, final.intercept_upper + 1e-9)
    self.assertGreaterEqual(early.intercept_upper, final.intercept_lower - 1e-9)
    self.assertGreater(early.intercept_upper - early.intercept_lower,
                       final.intercept_upper - final.intercept_lower)
    # The channel's point is on the line: R + lambda D = intercept at convergence.
    self.assertAllClose(final.rate_nats + lmbda * final.distortion, final.intercept, atol=1e-4)

  def test_binary_source_hamming_distortion(self):
    # Bernoulli(p) with Hamming distortion: R(D) = h(p) - h(D) for D <= p (nats).
    p = 0.3
    h = lambda t: -t * np.log(t) - (1 - t) * np.log(1 - t)
    result = ba.blahut_arimoto([1 - p, p], 1.0 - np.eye(2), 2.0, tol=1e-9, max_iterations=100_000)
    self.assertAllClose(result.rate_nats, h(p) - h(result.distortion), atol=1e-6)
    # Slope -lambda: D = 1 / (1 + e^lambda).
    self.assertAllClose(result.distortion, 1 / (1 + np.exp(2.0)), atol=1e-6)

  def test_rate_approaches_but_never_exceeds_the_source_entropy(self):
    # At a large lambda every symbol is coded nearly exactly: R -> H(p), the histogram's rate
    # ceiling (the rows' ceiling_nats). H of (1/2, 1/4, 1/8, 1/8) is 1.75 bits.
    result = ba.blahut_arimoto([0.5, 0.25, 0.125, 0.125], 1.0 - np.eye(4), 20.0, tol=1e-9,
                               max_iterations=100_000)
    self.assertAllClose(result.entropy_nats, 1.75 * np.log(2))
    self.assertLessEqual(result.rate_nats, result.entropy_nats + 1e-9)
    self.assertGreater(result.rate_nats, 0.999 * result.entropy_nats)

  def test_banana_and_its_4d_embedding_agree(self):
    lambdas = [1.0, 3.0]
    banana2, banana4 = BananaSource(2), BananaSource(4)
    x2 = banana2.sample(200_000, seed=1).numpy()
    x4 = banana4.sample(200_000, seed=1).numpy()
    view = banana4.quadratic_view()
    direct = ba.sweep_samples(x2, lambdas, bins=50)
    embedded = ba.sweep_samples(view.to_base(x4), lambdas, metric=view.metric, bins=50)
    for a, b in zip(direct, embedded):
      self.assertAllClose(a.intercept, b.intercept, atol=1e-3)

  def test_general_quadratic_metric(self):
    # N(0, I_2) under d = (x-y)^T diag(1, 4) (x-y) / 2 is N(0, diag(1, 4)) under MSE per dim.
    x = np.random.default_rng(1).standard_normal((400_000, 2))
    metric = np.diag([1.0, 4.0]) / 2
    result, = ba.sweep_samples(x, [3.0], metric=metric, bins=60)
    self.assertAllClose(result.intercept, theory.GaussianRD([1.0, 4.0]).intercept(3.0), atol=0.02)

  def test_rejects_bad_input(self):
    with self.assertRaisesRegex(ValueError, "lambda"):
      ba.blahut_arimoto([1.0], [[0.0]], -1.0)
    with self.assertRaisesRegex(ValueError, "match"):
      ba.blahut_arimoto([0.5, 0.5], [[0.0, 1.0]], 1.0)
    with self.assertRaisesRegex(ValueError, "1-D or 2-D"):
      ba.histogram(np.zeros((10, 3)))


if __name__ == "__main__":
  tf.test.main()
