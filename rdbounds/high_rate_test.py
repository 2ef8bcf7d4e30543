"""high_rate: the manifold's metric, its entropy, and the asymptote against water-filling."""

import math

import numpy as np
import tensorflow as tf

import rdbounds
from rdbounds import high_rate
from rdbounds import theory


def _linear_map(dim, pixels, seed):
  matrix = tf.constant(np.random.default_rng(seed).normal(size=(dim, pixels)), tf.float32)
  return matrix, lambda z: tf.matmul(z, matrix)


class HighRateTest(tf.test.TestCase):

  def test_truncated_normal_entropy_matches_quadrature(self):
    for scale, bound in ((0.8, 2.0), (1.0, 1.0), (3.0, 4.0)):
      t = np.linspace(-bound, bound, 400_001)
      density = np.exp(-0.5 * t**2) / (math.sqrt(2 * math.pi) * math.erf(bound / math.sqrt(2)))
      entropy_in_t = -np.trapz(density * np.log(density), t)
      self.assertAllClose(high_rate.truncated_normal_entropy(scale, bound),
                          entropy_in_t + math.log(scale), atol=1e-8)
    # Far from the mean the truncation removes nothing: the normal's entropy.
    self.assertAllClose(high_rate.truncated_normal_entropy(2.0, 12.0),
                        0.5 * math.log(2 * math.pi * math.e * 4.0), atol=1e-12)

  def test_metric_of_a_curved_surface_is_its_area_element(self):
    # G(z1, z2) = (z1, z2, z1 z2) in n = 3: J^T J has determinant 1 + z1^2 + z2^2.
    z = tf.constant(np.random.default_rng(0).normal(size=(300, 2)), tf.float32)
    surface = lambda z: tf.stack([z[:, 0], z[:, 1], z[:, 0] * z[:, 1]], -1)
    expected = 0.5 * np.log((1 + z[:, 0]**2 + z[:, 1]**2) / 3.0**2)
    self.assertAllClose(high_rate.half_log_det_metric(surface, z), expected, atol=1e-5)

  def test_asymptote_of_a_linear_map_is_water_filling_once_every_direction_is_active(self):
    dim, pixels, scale = 3, 40, 0.7
    matrix, decode = _linear_map(dim, pixels, seed=1)
    latents = scale * tf.random.stateless_normal([1000, dim], [3, 4])
    asymptote = high_rate.from_map(decode, latents,
                                   latent_entropy_nats=dim * 0.5 * math.log(
                                       2 * math.pi * math.e * scale**2))
    # X = Z A is N(0, scale^2 A^T A): its nonzero variances are scale^2 eig(A A^T); the other
    # pixels - dim directions carry (next to) nothing.
    variances = scale**2 * np.linalg.eigvalsh(np.asarray(matrix, np.float64)
                                              @ np.asarray(matrix, np.float64).T)
    exact = theory.GaussianRD(np.concatenate([variances, np.full(pixels - dim, 1e-12)]))
    # Every direction is active once the water level pixels / (2 lambda) is below the
    # smallest variance.
    active = 2.0 * pixels / variances.min()
    for lmbda in (active, 10 * active):
      self.assertAllClose(asymptote.intercept(lmbda), exact.intercept(lmbda), atol=1e-4)
      self.assertAllClose(asymptote.point(lmbda), exact.point(lmbda), rtol=1e-4)
    # Below that the smallest direction drops out and the asymptote falls below R(D):
    # for a linear map it is the Shannon lower bound, by this margin at a quarter of the
    # water level that silences the smallest direction.
    lmbda = 0.25 * pixels / (2 * variances.min())
    gap = exact.intercept(lmbda) - asymptote.intercept(lmbda)
    self.assertGreater(gap, 0.5)

  def test_a_map_that_collapses_a_direction_is_an_error(self):
    flat = lambda z: tf.stack([z[:, 0], 2 * z[:, 0]], -1)  # ignores z2: a 1-manifold
    with self.assertRaisesRegex(ValueError, "singular"):
      high_rate.from_map(flat, tf.ones([4, 2]), latent_entropy_nats=0.0)

  def test_the_estimator_gives_gan_points_on_the_asymptote_and_no_line(self):
    result = rdbounds.sandwich("gan", lambdas=[3000, 1000], estimators=["high_rate"],
                               preset="quick", source_options={"intrinsic_dim": 2},
                               options={"high_rate": {"samples": 64}}, log=lambda _: None)
    rows = sorted(result.records, key=lambda r: r.lmbda)
    self.assertEqual([(r.estimator, r.lmbda) for r in rows],
                     [("high_rate", 1000.0), ("high_rate", 3000.0)])
    # One job: both lambdas share h_M, so F(3000) - F(1000) = d/2 ln 3 and D = d / (2 lambda).
    intercepts = [r.rate_nats + r.lmbda * r.distortion for r in rows]
    self.assertAllClose(intercepts[1] - intercepts[0], math.log(3.0), rtol=1e-9)
    self.assertAllClose([r.distortion for r in rows], [1e-3, 1 / 3000], rtol=1e-9)
    # Not a bound: no line for plots, tables or reports to quote.
    self.assertFalse(any(r.has_line for r in rows))

  def test_a_source_without_latents_is_skipped_with_a_reason(self):
    notes = []
    result = rdbounds.sandwich("gaussian", lambdas=[3], estimators=["high_rate", "analytic"],
                               preset="quick", source_options={"dim": 2}, log=notes.append)
    self.assertEqual([r.estimator for r in result.records], ["analytic"])
    self.assertTrue(any("known latents" in n for n in notes), notes)


if __name__ == "__main__":
  tf.test.main()
