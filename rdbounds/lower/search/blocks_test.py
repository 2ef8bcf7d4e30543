"""Blocks: the skip bound is never below the terms it stands for, a blocked step's value and
skipped bound bracket the exact value, and on clustered samples most blocks are skipped."""

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import blocks
from rdbounds.lower.search import exhaustive
from rdbounds.lower.search import mean_shift
from rdbounds.lower.search import mixture_test


def clustered(seed, k=2048, n=8, num_clusters=32, spread=0.3, scale=20.0):
  """`(x [k, n], log_w [k])`: tight clusters far apart, uneven weights."""
  rng = np.random.default_rng(seed)
  centres = rng.normal(scale=scale, size=(num_clusters, n))
  x = centres[rng.integers(num_clusters, size=k)] + spread * rng.normal(size=(k, n))
  return x - x.mean(0), rng.normal(scale=2.0, size=k) - np.log(k)


def exact_block_logs(x, log_w, beta, edges, y):
  """`[T, B]` float64 log of each block's terms at `[T, n]` points y."""
  terms = log_w[None, :] - beta * ((x[None, :, :] - y[:, None, :])**2).sum(-1)
  return np.stack([np.logaddexp.reduce(terms[:, a:b], axis=1)
                   for a, b in zip(edges[:-1], edges[1:])], axis=1)


class BlocksTest(tf.test.TestCase):

  def test_tree_order_puts_every_sample_in_one_block_of_at_most_block_size(self):
    x, _ = clustered(0, k=1000)
    order, edges = blocks.tree_order(x, 48)
    self.assertAllEqual(np.sort(order), np.arange(1000))
    self.assertEqual(edges[0], 0)
    self.assertEqual(edges[-1], 1000)
    self.assertLessEqual(np.max(np.diff(edges)), 48)
    self.assertGreater(np.min(np.diff(edges)), 0)

  def test_blocks_hold_near_samples(self):
    # Median block radius a fraction of the data's: a split that ignored geometry would give
    # blocks as wide as the data, and nothing to skip.
    x, log_w = clustered(1)
    order, edges = blocks.tree_order(x, 32)
    summary = blocks.Blocks.of(x[order], log_w[order], edges, tf.float64)
    self.assertLess(np.median(summary.radius.numpy()),
                    0.1 * np.max(np.linalg.norm(x, axis=1)))

  def test_block_bound_is_never_below_the_blocks_terms(self):
    for dtype in (tf.float32, tf.float64):
      x, log_w = clustered(2, k=512)
      order, edges = blocks.tree_order(x, 16)
      x, log_w = x[order], log_w[order]
      summary = blocks.Blocks.of(x, log_w, edges, dtype)
      rng = np.random.default_rng(3)
      # At samples, between them, on block centres and far outside the data.
      y = np.concatenate([x[:64], x[:64] + 0.5 * rng.normal(size=(64, 8)),
                          summary.centre.numpy().astype(np.float64)[:32],
                          60.0 * rng.normal(size=(16, 8))])
      beta = 0.7
      bound = summary.log_bounds(tf.constant(beta, dtype), tf.constant(y, dtype)).numpy()
      exact = exact_block_logs(x, log_w, beta, edges, y)
      self.assertAllGreaterEqual(bound - exact, 0.0)
      # Not vacuous: for the block holding a sample the bound is within a few nats of its
      # terms (the radius only), and far blocks get bounds far below zero.
      self.assertLess(np.median((bound - exact)[:64].min(1)), 5.0)

  def test_blocked_value_and_skipped_bound_bracket_the_exact_value(self):
    x, log_w = clustered(4, k=1024)
    order, edges = blocks.tree_order(x, 16)
    x, log_w = x[order], log_w[order]
    lmbda, n = 4.0, x.shape[1]
    beta = lmbda / n
    rng = np.random.default_rng(5)
    y = x[::8] + 0.3 * rng.normal(size=x[::8].shape)
    exact = mixture_test.log_f_numpy(x, log_w, lmbda, y)
    # skip_nats = 1 skips blocks that matter: the bracket must hold all the same.
    for skip_nats in (1.0, 25.0):
      form = mean_shift.Form.build(tf.constant(x), tf.constant(log_w),
                                   tf.constant(beta, tf.float64), gram=False)
      summary = blocks.Blocks.of(x, log_w, edges, tf.float64)
      blocked = blocks.chunked_step(form, summary, tf.constant(y), 32,
                                    tf.constant(skip_nats, tf.float64))
      value = blocked.step.log_value.numpy()
      skipped = blocks.skipped_nats(blocked.log_skipped, blocked.step.log_value,
                                    tf.constant(1e-9, tf.float64)).numpy()
      self.assertAllLessEqual(value - exact, 1e-9)
      self.assertAllGreaterEqual(value + skipped - exact, -1e-9)
    # At 25 nats what is skipped is negligible, and it is most of the blocks.
    self.assertLess(np.max(exact - value), 1e-8)
    bounds = summary.log_bounds(tf.constant(beta, tf.float64), tf.constant(y[:32])).numpy()
    kept = np.any(bounds >= bounds.max(1, keepdims=True) - 25.0, axis=0)
    self.assertLess(kept.mean(), 0.5)

  def test_blocked_search_finds_the_sup_of_the_search_against_every_sample(self):
    for seed in range(3):
      x, log_w = clustered(10 + seed, k=1536)
      lmbda = 8.0
      plain = exhaustive.find_mode(x, log_w, lmbda)
      for skip_nats in (10.0, 25.0):
        options = exhaustive.SearchOptions(block_size=24, chunk_size=128, skip_nats=skip_nats)
        fast = exhaustive.find_mode(x, log_w, lmbda, options=options)
        self.assertEqual(int(fast.unconverged), 0)
        self.assertAllClose(float(fast.log_c), float(plain.log_c), atol=2e-7)


if __name__ == "__main__":
  tf.test.main()
