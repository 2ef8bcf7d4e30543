"""The evaluation search: the global maximum, never below any start, and no sup lost to its
speed-up (pruning) against the same search without it."""

import dataclasses
import math

import numpy as np
from absl.testing import parameterized
import pytest
import tensorflow as tf

from rdbounds.lower import config as lower_config
from rdbounds.lower.search import mixture_test
from rdbounds.lower.search import exhaustive
from rdbounds.lower.search import cases
from rdbounds.lower.search.options import SearchOptions

log_f_numpy = mixture_test.log_f_numpy


def plain_mean_shift_numpy(x, log_w, lmbda, iterations=500, at=None):
  """float64 reference: plain mean-shift from every sample; the best log value reached.

  With `at` (`[A, n]` starting points), the points reached instead.
  """
  x = np.asarray(x, np.float64)
  y = x.copy() if at is None else np.asarray(at, np.float64)
  for _ in range(iterations):
    logits = np.asarray(log_w, np.float64)[None, :] - lmbda * (
        (x[None, :, :] - y[:, None, :])**2).mean(-1)
    r = np.exp(logits - logits.max(1, keepdims=True))
    y, previous = (r / r.sum(1, keepdims=True)) @ x, y
    if np.max(np.abs(y - previous)) < 1e-12:
      break
  return y if at is not None else log_f_numpy(x, log_w, lmbda, y).max()


def flat_top(flatness, gap, lmbda=1.0, half_width=10.0):
  """A 1-d mixture with one flat mode at 0, and samples `gap` nats below it.

  Samples on a grid over [-half_width, half_width] at +-y0, +-3 y0, ..., with the weights of
  a broad Gaussian: near 0, f is then a Gaussian of variance S^2 + 1 / (2 lambda) (a grid
  finer than half the kernel's width leaves no ripple f could show), whose mean-shift
  contracts by rho = 1 - flatness, and lambda flatness y0^2 = gap.
  Returns (x `[k, 1]`, log_w `[k]`, lambda, the index of the sample at y0).
  """
  y0 = math.sqrt(gap / (lmbda * flatness))
  if 2.0 * y0 > 0.5 / math.sqrt(2.0 * lmbda):
    raise ValueError(f"a grid of spacing {2 * y0:g} is too coarse for a smooth mixture")
  variance = (1.0 / flatness - 1.0) / (2.0 * lmbda)
  half = int(half_width / (2.0 * y0))
  x = (2.0 * y0 * (np.arange(-half, half) + 0.5))[:, None]
  log_w = -x[:, 0]**2 / (2.0 * variance)
  return x, log_w - np.log(np.sum(np.exp(log_w))), lmbda, half


def assert_attained_within_tol(test, result, x, log_w, lmbda, tol=SearchOptions().tol):
  """log_c is log f at the returned y (float64 reference) plus at most tol and the float64
  error bound (under 1e-8 nats in these tests)."""
  attained = log_f_numpy(x, log_w, lmbda, result.y)[0]
  test.assertBetween(float(result.log_c) - attained, -1e-10, tol + 1e-8)


def clusters(seed, k=300, n=2, num_clusters=4, spread=0.15):
  """Samples around `num_clusters` centres, with random log weights."""
  rng = np.random.default_rng(seed)
  centres = rng.normal(scale=3.0, size=(num_clusters, n))
  x = centres[rng.integers(num_clusters, size=k)] + spread * rng.normal(size=(k, n))
  log_w = rng.normal(scale=1.0, size=k) - math.log(k)
  return x.astype(np.float32), log_w.astype(np.float32)


def without_pruning(tol: float = 1e-7) -> SearchOptions:
  """Every start climbs to tol: the search that discards nothing."""
  return SearchOptions(tol=tol, prune_margin=math.inf)


class ModeSearchTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters((0, 1.0), (1, 5.0), (2, 30.0))
  def test_global_maximum_against_a_dense_grid(self, seed, lmbda):
    x, log_w = clusters(seed)
    result = exhaustive.find_mode(x, log_w, lmbda)
    lo, hi = x.min(0) - 0.5, x.max(0) + 0.5
    # Grid spacing well below the kernel width sqrt(n / lambda).
    spacing = 0.1 * math.sqrt(2.0 / lmbda)
    axes = [np.arange(lo[d], hi[d], spacing) for d in range(2)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    best = max(log_f_numpy(x, log_w, lmbda, part).max()
               for part in np.array_split(grid, max(1, len(grid) // 5000)))
    # Never below the grid (it is the sup), and the grid is close to it.
    self.assertGreaterEqual(float(result.log_c), best - 1e-7)
    self.assertLess(float(result.log_c) - best, 0.02)
    assert_attained_within_tol(self, result, x, log_w, lmbda)
    self.assertEqual(int(result.unconverged), 0)

  @parameterized.parameters((0, 3.0, 2), (1, 30.0, 2), (2, 10.0, 16))
  def test_exhaustive_is_never_below_a_single_start(self, seed, lmbda, n):
    x, log_w = clusters(seed, k=200, n=n, num_clusters=6, spread=0.5)
    best = float(exhaustive.find_mode(x, log_w, lmbda).log_c)
    at_samples = log_f_numpy(x, log_w, lmbda, x)
    self.assertGreaterEqual(best, at_samples.max() - 1e-6)
    for j in np.random.default_rng(seed).choice(len(x), 12, replace=False):
      single = float(exhaustive.find_mode(x, log_w, lmbda, starts=[j]).log_c)
      self.assertGreaterEqual(best, single - 1e-6)
      # A climb never ends below where it started.
      self.assertGreaterEqual(single, at_samples[j] - 1e-6)

  @parameterized.parameters((0, 25.0, 1), (1, 50.0, 1), (2, 20.0, 2))
  def test_value_brackets_the_sup_of_a_flat_mode_within_tol(self, seed, lmbda, n):
    # Equal weights on samples of N(0, I): a broad mode that plain mean-shift approaches at a
    # rate rho ~ 0.98, where a test on the step alone stops 1 / (1 - rho) ~ 15 x tol short.
    # log_c must lie between the sup (a float64 mean-shift from every sample to 1e-12) and
    # the sup plus tol (the estimated gain a converged start had left).
    k = 600
    x = np.random.default_rng(seed).normal(size=(k, n)).astype(np.float32)
    log_w = np.full(k, -math.log(k), np.float32)
    sup = plain_mean_shift_numpy(x, log_w, lmbda, iterations=20_000)
    for tol in (1e-6, 1e-5):
      found = exhaustive.find_mode(x, log_w, lmbda, options=SearchOptions(tol=tol))
      self.assertBetween(float(found.log_c) - sup, -1e-9, tol + 1e-9)

  def test_a_start_on_a_flat_top_climbs_past_steps_below_a_thousandth_of_tol(self):
    # A top flatter than any sampled landscape here: contraction rho = 1 - 1e-4
    # (`flat_top`). The start's first step gains 5e-11 nats, below 1e-3 tol (the rule that
    # stopped a start on a small step alone), while 5e-7 = 5 tol are still to come. The
    # search must climb on to within tol of the mode. In float64: in float32 the rounding
    # of a step this small blurs the measured contraction (stopping.py, `remaining_gain`).
    x, log_w, lmbda, start = flat_top(flatness=1e-4, gap=5e-7)
    sup = float(log_f_numpy(x, log_w, lmbda, np.zeros((1, 1)))[0])
    first_step = lmbda * (plain_mean_shift_numpy(x, log_w, lmbda, 1, at=x[[start]])[0, 0] -
                          x[start, 0])**2
    self.assertLess(float(first_step), 1e-3 * SearchOptions().tol)
    self.assertGreater(sup - log_f_numpy(x, log_w, lmbda, x[[start]])[0], 4.9e-7)
    float64 = SearchOptions(max_float32_error=1e-30, max_iterations=5000)
    for starts in ([start], "exhaustive"):
      found = exhaustive.find_mode(x, log_w, lmbda, starts=starts, options=float64)
      self.assertEqual(int(found.unconverged), 0)
      self.assertBetween(float(found.log_c) - sup, -1e-10, SearchOptions().tol + 1e-10)

  @parameterized.parameters((0, 10.0, 16), (1, 3.0, 8), (2, 30.0, 2))
  def test_pruning_keeps_the_sup_of_plain_mean_shift_from_every_sample(self, seed, lmbda, n):
    # Random weights; at n = 16 nearly every sample is its own mode and pruning stops most
    # starts after a few steps.
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, n)).astype(np.float32)
    log_w = (rng.normal(size=300) - math.log(300)).astype(np.float32)
    pruned = exhaustive.find_mode(x, log_w, lmbda)
    unpruned = exhaustive.find_mode(x, log_w, lmbda, options=without_pruning())
    self.assertAllClose(pruned.log_c, unpruned.log_c, atol=1e-6)
    self.assertEqual(int(pruned.unconverged), 0)
    self.assertAllClose(pruned.log_c, plain_mean_shift_numpy(x, log_w, lmbda), atol=1e-6)

  @parameterized.parameters(0.19, 0.2)
  def test_too_small_a_margin_loses_the_sup_the_library_margins_keep(self, log_w_far):
    # Two samples at +-a with 2 lambda a^2 = 0.98 make one flat mode at 0, log f = ln 2 -
    # 0.49 = 0.203, that their climbs reach slowly from 0.132; a third sample far away is its
    # own mode at 0.19 or 0.2, above where the climbs stand after their first steps. Pruning
    # on value alone (margin 0) stops them there and reports the lower mode; the default
    # margin (10) and every preset's (3 for the quick and image ones) must keep the climbs:
    # the sup of the search that prunes nothing at the same tol. (That one stops within tol
    # of the sup, on either side: this top is quartic, where the remaining-gain estimate is
    # only asymptotic.)
    a = math.sqrt(0.49)
    x = np.array([[-a], [a], [10.0]], np.float32)
    log_w = np.array([0.0, 0.0, log_w_far], np.float32)
    sup = math.log(2.0) - 0.49
    lost = exhaustive.find_mode(x, log_w, 1.0, options=SearchOptions(prune_margin=0.0))
    self.assertLess(float(lost.log_c), sup - 3e-3)
    for options in lower_config.PRESET_SEARCHES:
      kept = exhaustive.find_mode(x, log_w, 1.0, options=options)
      full = exhaustive.find_mode(x, log_w, 1.0, options=dataclasses.replace(
          options, prune_margin=math.inf))
      self.assertAllClose(kept.log_c, full.log_c, atol=1e-6)
      self.assertBetween(float(kept.log_c) - sup, -options.tol, options.tol + 1e-6)

  @parameterized.parameters(*[(kind, n, seed) for kind in cases.KINDS for n in (2, 16, 256)
                              for seed in (0, 1, 2)])
  def test_pruning_keeps_the_sup(self, kind, n, seed):
    # The fast version of `test_pruning_keeps_the_sup_at_the_preset_k`.
    assert_pruning_keeps_the_sup(self, kind, k=512, n=n, seed=seed)

  @parameterized.parameters(1.0, 20.0, 200.0)
  def test_gram_form_finds_the_sup_of_the_direct_form(self, lmbda):
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(40, 3)) @ rng.normal(size=(3, 100))).astype(np.float32)
    x += 0.05 * rng.normal(size=x.shape).astype(np.float32)
    log_w = rng.normal(size=40).astype(np.float32)
    gram = exhaustive.find_mode(x, log_w, lmbda, gram=True)
    direct = exhaustive.find_mode(x, log_w, lmbda, gram=False)
    self.assertAllClose(gram.log_c, direct.log_c, atol=1e-6)
    assert_attained_within_tol(self, gram, x, log_w, lmbda)

  def test_chunk_size_does_not_change_the_sup(self):
    x, log_w = clusters(6, k=257, n=3, num_clusters=5, spread=0.3)
    values = [float(exhaustive.find_mode(x, log_w, 12.0, options=SearchOptions(
        chunk_size=c)).log_c) for c in (50, 100, 512)]
    self.assertAllClose(values, [values[0]] * 3, atol=1e-7)

  def test_value_is_exact_at_large_lambda_far_from_the_origin(self):
    x, log_w = clusters(7, k=100, n=2, num_clusters=3, spread=0.01)
    x = x + np.float32(300.0)
    lmbda = 1e5
    result = exhaustive.find_mode(x, log_w, lmbda)
    assert_attained_within_tol(self, result, x, log_w, lmbda)
    self.assertGreaterEqual(float(result.log_c), log_f_numpy(x, log_w, lmbda, x).max() - 1e-6)

  @parameterized.parameters(1e3, 1e4, 1e5)
  def test_high_lambda_converges_and_finds_the_sup(self, lmbda):
    # N(0, I_2), k = 128, a near-optimal log u's weights (1/u ~ exp(|x|^2 / 2)): at lambda =
    # 1e4 the float32 search left a start moving forever (its expanded distances are off by
    # ~1 nat there); the float64 search must converge, to the sup of a float64 mean-shift.
    rng = np.random.default_rng(int(lmbda))
    x = rng.normal(size=(128, 2)).astype(np.float32)
    log_w = 0.5 * np.sum(x.astype(np.float64)**2, axis=1) - math.log(128)
    result = exhaustive.find_mode(x, log_w, lmbda)
    self.assertEqual(int(result.unconverged), 0)
    if lmbda >= 1e4:
      self.assertTrue(bool(result.float64))
    self.assertBetween(float(result.log_c) - plain_mean_shift_numpy(x, log_w, lmbda),
                       -1e-9, 1e-6)

  def test_starts_stopped_by_the_iteration_cap_are_reported(self):
    x, log_w, lmbda = cases.case("optimal", 256, 2)
    capped = exhaustive.find_mode(x, log_w, lmbda, options=SearchOptions(max_iterations=1))
    self.assertGreater(int(capped.unconverged), 0)
    self.assertEqual(int(capped.num_starts), 256)
    full = exhaustive.find_mode(x, log_w, lmbda)
    self.assertEqual(int(full.unconverged), 0)
    self.assertLessEqual(float(capped.log_c), float(full.log_c) + 1e-9)

  def test_log_w_of_the_wrong_shape_raises_one_line(self):
    with self.assertRaisesRegex(ValueError, r"^log_w must have shape \[5\][^\n]*$"):
      exhaustive.find_mode(np.zeros((5, 2), np.float32), np.zeros(4, np.float32), 1.0)


def assert_pruning_keeps_the_sup(test, kind, k, n, seed=0):
  """Every preset's search (`lower_config.PRESET_SEARCHES`) against the search that discards
  no start: never below its sup (1e-6 nats of slack), above by at most their
  own tol plus 1e-6."""
  x, log_w, lmbda = cases.case(kind, k, n, seed)
  full = exhaustive.find_mode(x, log_w, lmbda, options=without_pruning())
  test.assertEqual(int(full.unconverged), 0)
  for options in lower_config.PRESET_SEARCHES:
    fast = exhaustive.find_mode(x, log_w, lmbda, options=options)
    test.assertEqual(int(fast.unconverged), 0)
    test.assertBetween(float(fast.log_c) - float(full.log_c), -1e-6, options.tol + 1e-6)


@pytest.mark.slow
class ModeSearchAtPresetKTest(tf.test.TestCase, parameterized.TestCase):
  """Minutes: the search without pruning climbs every one of up to 16384 starts to tol."""

  @parameterized.parameters(*[(kind, k, n, seed) for k, seeds in ((4096, (0, 1, 2)), (16384, (0,)))
                              for kind in cases.KINDS for n in (2, 16, 256) for seed in seeds])
  def test_pruning_keeps_the_sup_at_the_preset_k(self, kind, k, n, seed):
    assert_pruning_keeps_the_sup(self, kind, k, n, seed)


if __name__ == "__main__":
  tf.test.main()
