"""The intercept's interval: it covers the mean where xi is skewed, is no wider than needed
where it is Gaussian, and treats groups with different means as strata."""

import numpy as np

from rdbounds.lower import interval


def test_low_end_covers_the_mean_of_a_left_skewed_distribution():
  # xi = -Gamma(1/2): mean -1/2, skewness -2.8 (a heavier left tail than the LB's xi on
  # benchmarks/lb_coverage.py's sources), 30 draws per replication like one evaluation.
  # The low end's nominal level is 97.5%; measured: 95.8% for the interval, 91.8% for
  # Student-t, which this test must therefore reject.
  replications = -np.random.default_rng(0).gamma(0.5, size=(600, 30))

  def coverage(interval_fn):
    return np.mean([interval_fn(xi)[1] <= -0.5 for xi in replications])

  assert coverage(interval.confidence_interval) >= 0.95
  assert coverage(interval.student_t_interval) < 0.93


def test_no_wider_than_needed_on_gaussian_draws():
  # Where Student-t is exact, the interval must not trade much width for its robustness.
  replications = np.random.default_rng(1).standard_normal((300, 30))
  width = lambda fn: np.mean([np.subtract(*fn(xi)[:2]) for xi in replications])
  assert width(interval.confidence_interval) < 1.1 * width(interval.student_t_interval)
  mean, low, high = interval.confidence_interval(replications[0])
  assert np.isclose(mean, replications[0].mean())
  assert low < mean < high


def test_groups_with_different_means_are_strata_not_noise():
  # Two groups of 15 draws, means 0 and 3, spread 1 (the LB's groups differ by their alpha):
  # the target is the mean of the group means, 1.5. The stratified interval must cover it
  # at its nominal level (97.5% per end), and be narrower than pooling the 30 draws as one
  # i.i.d. sample, whose spread counts the gap between the means as noise (about 1.8 instead
  # of 1). A variance summed over groups without the 1 / G^2 fails the width check, an
  # interval about one group's mean the coverage.
  rng = np.random.default_rng(2)
  replications = rng.standard_normal((800, 2, 15)) + np.array([0.0, 3.0])[None, :, None]
  stratified = [interval.confidence_interval(xi) for xi in replications]
  pooled = [interval.confidence_interval(xi.reshape(-1)) for xi in replications]
  assert np.mean([low <= 1.5 for _, low, _ in stratified]) >= 0.96
  assert np.mean([high >= 1.5 for _, _, high in stratified]) >= 0.96
  width = lambda rows: np.mean([high - low for _, low, high in rows])
  assert width(stratified) < 0.65 * width(pooled)
  # One group is the one-sample interval.
  one = rng.standard_normal(20)
  assert np.allclose(interval.confidence_interval(one), interval.confidence_interval(one[None]))


def test_draws_tied_at_the_ceiling_keep_the_interval_finite():
  # Three draws as on a photo folder (M = 3), two at the ceiling ln k agreeing to rounding.
  # Resampling those two alone gives se* ~ 1e-10 and T* ~ 1e10: counted as a studentized
  # mean, it put the low end at -4.6e13 (a photo run, 2026-12-04). As ties, the interval
  # stays within Student-t's order of width.
  ceiling = np.log(1293.0)
  xi = np.array([ceiling, ceiling - 1e-10, 3.5])
  mean, low, high = interval.confidence_interval(xi)
  _, t_low, t_high = interval.student_t_interval(xi)
  assert t_low - 3 * (t_high - t_low) < low <= t_low
  assert t_high <= high < t_high + 3 * (t_high - t_low)
