"""The latents of randomized quasi-Monte Carlo draws: each has the source's law (what the lower
bound's proof needs), and a draw bunches less than i.i.d. latents (what the bound gains)."""

import numpy as np
import tensorflow as tf

from rdbounds.sources import stratified_latents


def _ks_distance(a, b):
  """Two-sample Kolmogorov-Smirnov statistic of 1-d samples."""
  grid = np.sort(np.concatenate([a, b]))
  cdf_a = np.searchsorted(np.sort(a), grid, side="right") / len(a)
  cdf_b = np.searchsorted(np.sort(b), grid, side="right") / len(b)
  return float(np.max(np.abs(cdf_a - cdf_b)))


class StratifiedLatentsTest(tf.test.TestCase):

  def test_each_latent_alone_has_the_truncated_normal_law(self):
    # Row i of many independent draws against TF's own truncated-normal sampler (the one i.i.d.
    # draws use): a missing or per-draw-constant shift, or a wrong quantile, fails here.
    draws = 3000
    rows = np.stack([stratified_latents.truncated_normal_latents(
        64, 2, tf.constant([7, seed], tf.int32)).numpy() for seed in range(draws)])
    reference = tf.random.stateless_truncated_normal([draws, 2], [3, 4]).numpy()
    for row in (0, 1, 37):
      for coordinate in (0, 1):
        # 99.9% critical value of the two-sample statistic: 1.95 sqrt(2 / 3000) = 0.050.
        self.assertLess(_ks_distance(rows[:, row, coordinate], reference[:, coordinate]), 0.05)
    self.assertAllInRange(rows, -2.0, 2.0)

  def test_draws_with_other_seeds_differ_and_equal_seeds_repeat(self):
    a = stratified_latents.truncated_normal_latents(100, 3, tf.constant([1, 2]))
    self.assertAllEqual(a, stratified_latents.truncated_normal_latents(100, 3, tf.constant([1, 2])))
    self.assertGreater(float(tf.reduce_min(tf.abs(
        a - stratified_latents.truncated_normal_latents(100, 3, tf.constant([1, 3]))))), 0.0)

  def test_a_draw_fills_boxes_more_evenly_than_iid_points(self):
    # 4096 points in [0, 1)^2, counted in the 256 boxes of a 16 x 16 grid offset by a third of
    # a box (not aligned with the Sobol nets): 16 expected in each. I.i.d. points (Poisson(16)
    # counts) stray by 11 to 16 in the worst box (five seeds); the shifted Sobol points by 1 or 2.
    points = stratified_latents.shifted_sobol(4096, 2, tf.constant([5, 6])).numpy()
    boxes = np.floor((points * 16 + 1 / 3) % 16).astype(int)
    counts = np.bincount(boxes[:, 0] * 16 + boxes[:, 1], minlength=256)
    self.assertLessEqual(int(np.max(np.abs(counts - 16))), 4)
    iid = np.random.default_rng(0).random((4096, 2))
    iid_boxes = np.floor((iid * 16 + 1 / 3) % 16).astype(int)
    iid_counts = np.bincount(iid_boxes[:, 0] * 16 + iid_boxes[:, 1], minlength=256)
    self.assertGreater(int(np.max(np.abs(iid_counts - 16))), 8)


if __name__ == "__main__":
  tf.test.main()
