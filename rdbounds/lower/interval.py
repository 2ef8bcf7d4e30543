"""Confidence intervals for the intercept of a lower-bound line, from groups of per-draw xi.

An evaluation gives G groups of M draws (`evaluator`): each group has its own expansion point
alpha_g, so its xi share a mean mu_g = E[xi | alpha_g] <= F(lambda) that differs between
groups. The intercept is the mean of the group means, an unbiased estimate of
(1/G) sum_g mu_g <= F. Its interval is stratified: the variance of the mean is
sum_g s_g^2 / M / G^2 (within-group spreads only; a difference between the mu_g is not noise
of the estimate), and the bootstrap resamples within each group. With G = 1 these are the
usual one-sample intervals. Pooling the groups as one i.i.d. sample would count the spread
between the mu_g as noise: valid, but wider than needed (`interval_test`).

What is proven and what is measured. Student-t is exact for Gaussian xi only, and xi has a
heavy left tail (a rare draw with a large C_k): draws that miss the tail have a higher mean
and a smaller spread, so Student-t's low end is too high. `confidence_interval` reports the
union of the Student-t and bootstrap-t intervals; its coverage is measured, not proven
(`benchmarks/lb_coverage.py`, docs/method.md).
"""

import math

import numpy as np
import scipy.stats

# Resamples of the bootstrap-t interval: the Monte Carlo error of its 2.5% and 97.5%
# quantiles is then about 0.04 standard errors of the mean.
BOOTSTRAP_RESAMPLES = 4000
# Resamples with a variance below this fraction of the observed one count as ties (their
# draws agree to a millionth of the standard error).
_TIED_VARIANCE = 1e-12


def _groups(xi) -> np.ndarray:
  """`[G, M]` float64 from one group `[M]` or groups `[G, M]`."""
  xi = np.asarray(xi, np.float64)
  return xi[None] if xi.ndim == 1 else xi


def _mean_and_variance(groups):
  """Mean of the group means and its stratified variance estimate, over the last two axes."""
  m = groups.shape[-1]
  variance = np.sum(groups.var(axis=-1, ddof=1), axis=-1) / m / groups.shape[-2]**2
  return groups.mean(axis=(-2, -1)), variance


def student_t_interval(xi, level: float = 0.95):
  """(mean, low, high): the two-sided Student-t interval for the mean of the group means.

  xi: `[M]` draws or `[G, M]` groups of draws. Degrees of freedom by Welch-Satterthwaite
  (M - 1 for one group). Exact for Gaussian xi only; under xi's left skew its low end is
  too high (it covers E[xi] less often than its nominal level).
  """
  groups = _groups(xi)
  mean, variance = _mean_and_variance(groups)
  g, m = groups.shape
  if m < 2:
    return float(mean), -math.inf, math.inf
  per_group = groups.var(axis=1, ddof=1) / m / g**2
  dof = variance**2 / np.sum(per_group**2 / (m - 1)) if variance > 0 else m - 1.0
  half = scipy.stats.t.ppf(0.5 + level / 2, dof) * math.sqrt(variance)
  return float(mean), float(mean - half), float(mean + half)


def bootstrap_t_interval(xi, level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
                         seed: int = 0):
  """(mean, low, high): the equal-tailed bootstrap-t interval for the mean of the group means.

  The studentized mean T = (mean - mu) / se is not Student-t distributed when xi is skewed;
  its law is estimated by resampling each group with replacement, T*_b = (mean*_b - mean) /
  se*_b, and the interval is [mean - q_hi(T*) se, mean - q_lo(T*) se] (Efron & Tibshirani
  1993, ch. 12; second-order accurate, so it corrects for skewness, which Student-t does
  not). Deterministic: the resampling is seeded.
  """
  groups = _groups(xi)
  g, m = groups.shape
  mean, variance = _mean_and_variance(groups)
  if m < 2:
    return float(mean), -math.inf, math.inf
  if variance == 0:
    return float(mean), float(mean), float(mean)
  index = np.random.default_rng(seed).integers(0, m, (resamples, g, m))
  resampled = np.take_along_axis(np.broadcast_to(groups, (resamples, g, m)), index, axis=2)
  mean_star, variance_star = _mean_and_variance(resampled)
  # A resample of repeated values has no studentized mean; nor has one whose draws agree to
  # rounding (draws at the ceiling ln k differ in the last digits of C_k): its tiny se*
  # would make T* arbitrarily large and the interval arbitrarily wide.
  keep = variance_star > _TIED_VARIANCE * variance
  t_star = (mean_star[keep] - mean) / np.sqrt(variance_star[keep])
  t_low, t_high = np.quantile(t_star, [0.5 - level / 2, 0.5 + level / 2])
  se = math.sqrt(variance)
  return float(mean), float(mean - t_high * se), float(mean - t_low * se)


def confidence_interval(xi, level: float = 0.95):
  """(mean, low, high): the union of the Student-t and bootstrap-t intervals.

  Each end has nominal one-sided level `(1 + level) / 2` (97.5% for a 95% interval). The
  bootstrap-t interval restores most of the coverage Student-t loses to xi's left skew; the
  union never gives a higher low end than the classical interval. Coverage is measured, not
  proven (module docstring).
  """
  mean, t_low, t_high = student_t_interval(xi, level)
  _, b_low, b_high = bootstrap_t_interval(xi, level)
  return mean, min(t_low, b_low), max(t_high, b_high)
