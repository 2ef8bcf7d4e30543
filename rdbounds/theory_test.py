"""Closed forms: reverse water-filling against hand-computed values, and the Shannon bound."""

import math

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds import theory


class GaussianRDTest(tf.test.TestCase, parameterized.TestCase):

  def test_point_with_a_component_below_the_water_level(self):
    # Variances (4, 1, 0.25), lambda = 1.2: theta = 3 / 2.4 = 1.25 lies above the last two
    # variances, so D_i = (1.25, 1, 0.25), D = 2.5 / 3, R = 1/2 ln(4 / 1.25).
    rd = theory.GaussianRD([4.0, 1.0, 0.25])
    distortion, rate = rd.point(1.2)
    self.assertAllClose(distortion, 2.5 / 3)
    self.assertAllClose(rate, 0.5 * math.log(3.2))
    self.assertAllClose(rd.intercept(1.2), 0.5 * math.log(3.2) + 1.2 * 2.5 / 3)

  def test_point_with_all_components_active(self):
    # N(0, I_2) at lambda = 3: theta = 1/3, D = 1/3, R = ln 3 (two dims of 1/2 ln 3).
    rd = theory.GaussianRD([1.0, 1.0])
    distortion, rate = rd.point(3.0)
    self.assertAllClose(distortion, 1 / 3)
    self.assertAllClose(rate, math.log(3.0))

  @parameterized.parameters(
      # Variances (4, 1, 0.25): the water level theta solves mean_i min(theta, s_i) = D, and
      # R = 1/2 sum_i ln(s_i / min(theta, s_i)). Worked by hand, segment by segment:
      (0.05, 0.5 * math.log(4 / 0.05 * 1 / 0.05 * 0.25 / 0.05)),  # theta = D: all active
      (0.3, 0.5 * math.log(4 / 0.325 * 1 / 0.325)),  # (0.25 + 2 theta) / 3 = D
      (0.7, 0.5 * math.log(4 / 0.925 * 1 / 0.925)),
      (1.2, 0.5 * math.log(4 / 2.35)),  # (1.25 + theta) / 3 = D
      (1.74, 0.5 * math.log(4 / 3.97)))
  def test_rate_is_reverse_water_filling_worked_by_hand(self, distortion, rate):
    rd = theory.GaussianRD([4.0, 1.0, 0.25])
    self.assertAllClose(rd.rate(distortion), rate, rtol=1e-12)
    # The point at the curve's slope there is the same (D, R): lambda = n / (2 theta).
    theta = rd.theta_at(distortion)
    self.assertAllClose(rd.point(3 / (2 * theta)), (distortion, rate), rtol=1e-12)

  def test_rate_is_zero_beyond_max_distortion(self):
    rd = theory.GaussianRD([4.0, 1.0, 0.25])
    self.assertEqual(rd.rate(rd.max_distortion + 0.1), 0.0)
    self.assertAllClose(rd.rate(rd.max_distortion), 0.0)

  def test_intercept_is_min_over_distortion(self):
    rd = theory.GaussianRD([2.0, 0.5, 0.1, 1.0])
    grid = np.linspace(1e-3, rd.max_distortion, 20001)
    for lmbda in (0.5, 3.0, 30.0):
      self.assertAllClose(rd.intercept(lmbda), np.min(rd.rate(grid) + lmbda * grid), atol=1e-4)

  def test_rejects_bad_variances(self):
    with self.assertRaises(ValueError):
      theory.GaussianRD([1.0, -1.0])
    with self.assertRaises(ValueError):
      theory.GaussianRD([])

  def test_shannon_lower_bound_is_tight_for_gaussian(self):
    # For N(0, I_n) the SLB equals R(D) for D <= 1.
    rd = theory.GaussianRD(np.ones(3))
    h = theory.gaussian_entropy_nats(np.ones(3))
    for d in (0.1, 0.5, 0.9):
      self.assertAllClose(theory.shannon_lower_bound(d, h, 3), rd.rate(d))


if __name__ == "__main__":
  tf.test.main()
