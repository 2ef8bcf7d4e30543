"""Closed-form rate-distortion results, in nats, with distortion = MSE per dimension.

For a Gaussian source with independent components of variances `s_i^2` (i = 1..n), reverse
water-filling gives, at water level `theta`:

    D_i = min(theta, s_i^2),   D = mean_i D_i,   R = sum_i 1/2 ln(s_i^2 / D_i),

and the R-D curve has slope `-lambda` with `lambda = n / (2 theta)` (for theta below the largest
variance). The intercept `F(lambda) = min_D R(D) + lambda D` is what every lower-bound line
`R >= F(lambda) - lambda D` is compared against.
"""

import math

import numpy as np


class GaussianRD:
  """R(D) of N(loc, diag(variances)) under MSE per dimension.

  Args:
    variances: `[n]` positive per-component variances.
  """

  def __init__(self, variances):
    variances = np.asarray(variances, np.float64).reshape(-1)
    if variances.size == 0 or not np.all(np.isfinite(variances)) or np.any(variances <= 0):
      raise ValueError("variances must be a non-empty array of positive finite numbers")
    self.variances = variances
    self.n = variances.size

  @property
  def max_distortion(self) -> float:
    """D_max = mean variance: the distortion at rate 0."""
    return float(np.mean(self.variances))

  def _at_theta(self, theta):
    theta = np.asarray(theta, np.float64)[..., None]
    d_i = np.minimum(theta, self.variances)
    distortion = d_i.mean(-1)
    rate = 0.5 * np.log(self.variances / d_i).sum(-1)
    return distortion, rate

  def point(self, lmbda):
    """The (D, R) point where the curve has slope -lmbda. Vectorized over `lmbda` > 0."""
    lmbda = np.asarray(lmbda, np.float64)
    if np.any(lmbda <= 0):
      raise ValueError("lambda must be positive")
    return self._at_theta(self.n / (2.0 * lmbda))

  def intercept(self, lmbda):
    """F(lambda) = min_D R(D) + lambda D, in nats."""
    distortion, rate = self.point(lmbda)
    return rate + np.asarray(lmbda, np.float64) * distortion

  def theta_at(self, distortion):
    """Water level theta giving mean distortion D (0 < D <= D_max). Vectorized."""
    distortion = np.asarray(distortion, np.float64)
    if np.any(distortion <= 0):
      raise ValueError("distortion must be positive")
    # mean_i min(theta, s_i^2) is piecewise linear and increasing in theta: solve exactly
    # on the segment between consecutive sorted variances.
    s = np.sort(self.variances)
    n = self.n
    # At theta = s[j], the mean distortion is (sum_{i<j} s_i + (n - j) s_j) / n.
    cumsum = np.concatenate([[0.0], np.cumsum(s)])
    knots = (cumsum[:-1] + (n - np.arange(n)) * s) / n
    j = np.searchsorted(knots, np.minimum(distortion, knots[-1]), side="left")
    theta = (n * np.minimum(distortion, knots[-1]) - cumsum[j]) / (n - j)
    return np.where(distortion >= knots[-1], s[-1], theta)

  def rate(self, distortion):
    """R(D) in nats; 0 for D >= D_max. Vectorized."""
    distortion = np.asarray(distortion, np.float64)
    _, rate = self._at_theta(self.theta_at(distortion))
    return np.where(distortion >= self.max_distortion, 0.0, rate)


def gaussian_entropy_nats(variances) -> float:
  """Differential entropy of N(., diag(variances)) in nats."""
  variances = np.asarray(variances, np.float64)
  return float(0.5 * np.sum(np.log(2 * math.pi * math.e * variances)))


def shannon_lower_bound(distortion, differential_entropy_nats: float, dim: int):
  """Shannon lower bound R(D) >= h(X) - n/2 ln(2 pi e D), for MSE per dimension D. Nats.

  Clipped at 0, since no rate is negative.
  """
  distortion = np.asarray(distortion, np.float64)
  bound = differential_entropy_nats - 0.5 * dim * np.log(2 * math.pi * math.e * distortion)
  return np.maximum(bound, 0.0)
