"""Mode finding for the lower bound: global maximum, exhaustive >= any start, Gram form."""

import math

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds.lower import mode_finding


def log_value_numpy(x, log_w, lmbda, y):
  """float64 reference: log sum_i exp(log_w_i - lambda |x_i - y|^2 / n) for y `[T, n]`."""
  x = np.asarray(x, np.float64)
  y = np.atleast_2d(np.asarray(y, np.float64))
  rho = ((x[None, :, :] - y[:, None, :])**2).mean(-1)
  logits = np.asarray(log_w, np.float64)[None, :] - lmbda * rho
  top = logits.max(1, keepdims=True)
  return (top + np.log(np.exp(logits - top).sum(1, keepdims=True)))[:, 0]


def plain_mean_shift_numpy(x, log_w, lmbda, iterations=500):
  """float64 reference: plain mean-shift from every sample; the best log value reached."""
  x = np.asarray(x, np.float64)
  y = x.copy()
  for _ in range(iterations):
    rho = ((x[None, :, :] - y[:, None, :])**2).mean(-1)
    logits = np.asarray(log_w, np.float64)[None, :] - lmbda * rho
    r = np.exp(logits - logits.max(1, keepdims=True))
    y = (r / r.sum(1, keepdims=True)) @ x
  return log_value_numpy(x, log_w, lmbda, y).max()


def mixture(seed, k=300, n=2, clusters=4, spread=0.15):
  """Samples around `clusters` centres, with random log weights."""
  rng = np.random.default_rng(seed)
  centres = rng.normal(scale=3.0, size=(clusters, n))
  x = centres[rng.integers(clusters, size=k)] + spread * rng.normal(size=(k, n))
  log_w = rng.normal(scale=1.0, size=k) - math.log(k)
  return x.astype(np.float32), log_w.astype(np.float32)


class ModeFindingTest(tf.test.TestCase, parameterized.TestCase):

  def test_isolated_clusters_give_the_heaviest_centre(self):
    # Three points repeated at far-apart centres: the modes are the centres and the value
    # there is the log of the summed weights of the points at it (cross terms < e^-400).
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]], np.float32)
    counts = np.array([5, 9, 7])
    x = np.repeat(centres, counts, axis=0)
    log_w = np.zeros(len(x), np.float32)
    result = mode_finding.find_mode(x, log_w, lmbda=8.0)
    self.assertAllClose(result.y, [10.0, 0.0], atol=1e-5)
    self.assertAllClose(result.log_c, math.log(9.0), atol=1e-9)

  @parameterized.parameters((0, 1.0), (1, 5.0), (2, 30.0))
  def test_global_maximum_against_dense_grid(self, seed, lmbda):
    x, log_w = mixture(seed)
    result = mode_finding.find_mode(x, log_w, lmbda)
    lo, hi = x.min(0) - 0.5, x.max(0) + 0.5
    # Grid spacing well below the kernel width sqrt(n / lambda), then the best grid point.
    step = 0.1 * math.sqrt(2.0 / lmbda)
    axes = [np.arange(lo[d], hi[d], step) for d in range(2)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    best = -np.inf
    for part in np.array_split(grid, max(1, len(grid) // 5000)):
      best = max(best, log_value_numpy(x, log_w, lmbda, part).max())
    # The search is never below the grid (it is the sup), and the grid is close to it.
    self.assertGreaterEqual(float(result.log_c), best - 1e-7)
    self.assertLess(float(result.log_c) - best, 0.02)
    self.assertAllClose(result.log_c, log_value_numpy(x, log_w, lmbda, result.y)[0], atol=1e-6)
    self.assertEqual(int(result.unconverged), 0)

  @parameterized.parameters((0, 3.0, 2), (1, 30.0, 2), (2, 10.0, 16))
  def test_exhaustive_is_never_below_a_single_start(self, seed, lmbda, n):
    x, log_w = mixture(seed, k=200, n=n, clusters=6, spread=0.5)
    exhaustive = float(mode_finding.find_mode(x, log_w, lmbda).log_c)
    values_at_samples = log_value_numpy(x, log_w, lmbda, x)
    self.assertGreaterEqual(exhaustive, values_at_samples.max() - 1e-6)
    for j in np.random.default_rng(seed).choice(len(x), 12, replace=False):
      single = mode_finding.find_mode(x, log_w, lmbda, starts=[j])
      self.assertGreaterEqual(exhaustive, float(single.log_c) - 1e-6)
      # A single climb never ends below where it started.
      self.assertGreaterEqual(float(single.log_c), values_at_samples[j] - 1e-6)

  @parameterized.parameters((0, 25.0, 1), (1, 50.0, 1), (2, 20.0, 2))
  def test_value_is_within_tol_of_a_flat_mode(self, seed, lmbda, n):
    # Equal weights on samples of N(0, I): a smooth mixture whose broad mode plain mean-shift
    # approaches at a rate rho ~ 0.98, where a test on the step length alone stops
    # 1 / (1 - rho) ~ 15 x tol short of the mode. The rate-aware test must stay within tol
    # up to float32 noise.
    k = 600
    x = np.random.default_rng(seed).normal(size=(k, n)).astype(np.float32)
    log_w = np.full(k, -math.log(k), np.float32)
    reference = mode_finding.find_mode(x, log_w, lmbda, tol=1e-13, prune_margin=np.inf,
                                       merge_tol=1e-9, capture_tol=1e-9, max_iterations=5000)
    for tol in (1e-6, 1e-5):
      found = float(mode_finding.find_mode(x, log_w, lmbda, tol=tol).log_c)
      self.assertBetween(float(reference.log_c) - found, -1e-7, 3 * tol)

  @parameterized.parameters((0, 10.0, 16), (1, 3.0, 8), (2, 30.0, 2))
  def test_pruning_does_not_change_the_sup(self, seed, lmbda, n):
    # Random weights; at n = 16 nearly every sample is its own mode, and pruning stops most
    # starts after a few steps. The sup must be the one the unpruned search finds.
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, n)).astype(np.float32)
    log_w = (rng.normal(size=300) - math.log(300)).astype(np.float32)
    pruned = mode_finding.find_mode(x, log_w, lmbda)
    unpruned = mode_finding.find_mode(x, log_w, lmbda, prune_margin=np.inf)
    self.assertAllClose(pruned.log_c, unpruned.log_c, atol=1e-6)
    self.assertEqual(int(pruned.unconverged), 0)
    # And both are the best that plain mean-shift reaches from any sample.
    self.assertAllClose(pruned.log_c, plain_mean_shift_numpy(x, log_w, lmbda), atol=1e-6)

  def test_quick_search_starts_at_the_highest_samples(self):
    x, log_w = mixture(4, k=200, n=2, clusters=5, spread=0.4)
    quick = float(mode_finding.find_mode(x, log_w, 10.0, starts=5, rank_by_value=True).log_c)
    exhaustive = float(mode_finding.find_mode(x, log_w, 10.0).log_c)
    self.assertGreaterEqual(quick, log_value_numpy(x, log_w, 10.0, x).max() - 1e-6)
    self.assertLessEqual(quick, exhaustive + 1e-6)

  @parameterized.parameters(1.0, 20.0, 200.0)
  def test_gram_form_matches_direct_form(self, lmbda):
    # n > k: the Gram form is the default; both must find the same sup.
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(40, 3)) @ rng.normal(size=(3, 100))).astype(np.float32)
    x += 0.05 * rng.normal(size=x.shape).astype(np.float32)
    log_w = rng.normal(size=40).astype(np.float32)
    gram = mode_finding.find_mode(x, log_w, lmbda, gram=True)
    direct = mode_finding.find_mode(x, log_w, lmbda, gram=False)
    self.assertAllClose(gram.log_c, direct.log_c, atol=1e-5)
    self.assertAllClose(gram.log_c, log_value_numpy(x, log_w, lmbda, gram.y)[0], atol=1e-6)

  def test_chunking_does_not_change_the_result(self):
    x, log_w = mixture(6, k=257, n=3, clusters=5, spread=0.3)
    values = [float(mode_finding.find_mode(x, log_w, 12.0, chunk_size=c).log_c)
              for c in (16, 100, 512)]
    self.assertAllClose(values, [values[0]] * 3, atol=1e-6)

  def test_large_lambda_value_is_exact(self):
    # Far from the origin and at a large lambda, expanded distances in float32 would lose
    # the value to cancellation; the final value uses direct differences.
    x, log_w = mixture(7, k=100, n=2, clusters=3, spread=0.01)
    x = x + np.float32(300.0)
    lmbda = 1e5
    result = mode_finding.find_mode(x, log_w, lmbda)
    self.assertAllClose(result.log_c, log_value_numpy(x, log_w, lmbda, result.y)[0], atol=1e-6)
    self.assertGreaterEqual(float(result.log_c),
                            log_value_numpy(x, log_w, lmbda, x).max() - 1e-6)


if __name__ == "__main__":
  tf.test.main()
