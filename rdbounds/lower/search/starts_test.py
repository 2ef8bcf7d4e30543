"""Start selection: ranking by the mixture's value finds sups that ranking by weight misses."""

import math

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import starts


class StartsTest(tf.test.TestCase):

  def test_ranking_by_value_finds_a_crowd_of_moderate_weights(self):
    # One isolated sample of weight 1 and, far away, 30 samples of weight 0.1 in a tight
    # crowd (mixture value ~3 there). The top start by weight is the lone sample; the top
    # start by value is in the crowd, where the sup is.
    rng = np.random.default_rng(0)
    x = np.concatenate([[[20.0, 0.0]], 0.01 * rng.normal(size=(30, 2))]).astype(np.float32)
    log_w = np.concatenate([[0.0], np.full(30, math.log(0.1))]).astype(np.float32)
    by_weight = starts.start_indices(x, log_w, 1.0, 1, rank_by_value=False)
    by_value = starts.start_indices(x, log_w, 1.0, 1, chunk_size=7)
    self.assertAllEqual(by_weight, [0])
    self.assertGreater(int(by_value[0]), 0)

  def test_exhaustive_indices_and_counts(self):
    x = np.zeros((10, 2), np.float32)
    log_w = np.arange(10, dtype=np.float32)
    self.assertAllEqual(starts.start_indices(x, log_w, 1.0, "exhaustive"), np.arange(10))
    self.assertAllEqual(starts.start_indices(x, log_w, 1.0, [3, 5]), [3, 5])
    self.assertAllEqual(starts.start_indices(x, log_w, 1.0, 3, rank_by_value=False), [9, 8, 7])
    self.assertLen(starts.start_indices(x, log_w, 1.0, 50), 10)  # at most k

  def test_bad_starts_raise_one_line(self):
    x, log_w = np.zeros((4, 2), np.float32), np.zeros(4, np.float32)
    for bad in ("all", 0, -3):
      with self.assertRaisesRegex(ValueError, "^starts must be 'exhaustive'[^\n]*$"):
        starts.start_indices(x, log_w, 1.0, bad)


if __name__ == "__main__":
  tf.test.main()
