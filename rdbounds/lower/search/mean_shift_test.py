"""The mean-shift step: its guaranteed gain, Gram form = direct form, chunking, fixed points."""

import math

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds.lower.search import mean_shift
from rdbounds.lower.search import mixture_test


def random_mixture(seed, k=60, n=4):
  rng = np.random.default_rng(seed)
  x = rng.normal(size=(k, n)).astype(np.float32)
  x -= x.mean(0)
  return x, rng.normal(size=k).astype(np.float32)


def form(x, log_w, lmbda, gram):
  return mean_shift.Form.build(tf.constant(x), tf.constant(log_w),
                               tf.constant(lmbda / x.shape[1], tf.float32), gram)


class MeanShiftTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters((0, 1.0, False), (1, 10.0, False), (2, 10.0, True), (3, 50.0, True))
  def test_plain_step_gains_at_least_moved_and_never_dips_on_the_way(self, seed, lmbda, gram):
    # Jensen: log f(m) - log f(y) >= beta |m - y|^2, and f >= f(y) on the segment [y, m].
    x, log_w = random_mixture(seed)
    f = form(x, log_w, lmbda, gram)
    rng = np.random.default_rng(seed + 10)
    points = rng.normal(size=(12, x.shape[1])).astype(np.float32)
    if gram:  # positions in the span of the samples: mixtures of them
      positions = rng.dirichlet(np.ones(len(x)), size=12).astype(np.float32)
      points = positions @ x
    else:
      positions = points
    step = mean_shift.step(f, tf.constant(positions))
    image_points = f.points(step.image).numpy()
    before = mixture_test.log_f_numpy(x, log_w, lmbda, points)
    after = mixture_test.log_f_numpy(x, log_w, lmbda, image_points)
    self.assertAllClose(step.log_value, before, atol=1e-4)
    self.assertAllGreaterEqual(after - before - step.moved.numpy(), -1e-5)
    self.assertGreater(float(np.max(step.moved)), 1e-3)  # the bound is not vacuous here
    for t in (0.25, 0.5, 0.75):
      between = mixture_test.log_f_numpy(x, log_w, lmbda, points + t * (image_points - points))
      self.assertAllGreaterEqual(between - before, -1e-5)

  @parameterized.parameters(1.0, 20.0, 200.0)
  def test_gram_step_equals_direct_step(self, lmbda):
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(40, 3)) @ rng.normal(size=(3, 100))).astype(np.float32)
    x += 0.05 * rng.normal(size=x.shape).astype(np.float32)
    x -= x.mean(0)
    log_w = rng.normal(size=40).astype(np.float32)
    c = rng.dirichlet(np.ones(40), size=6).astype(np.float32)
    gram = mean_shift.step(form(x, log_w, lmbda, True), tf.constant(c))
    direct = mean_shift.step(form(x, log_w, lmbda, False), tf.constant(c @ x))
    self.assertAllClose(gram.image @ x, direct.image, atol=1e-3)
    self.assertAllClose(gram.log_value, direct.log_value, atol=1e-3)
    self.assertAllClose(gram.moved, direct.moved, rtol=1e-3, atol=1e-6)

  def test_gram_moved_matches_direct_next_to_a_fixed_point(self):
    # moved decides convergence, where it is ~tol: the Gram form's must match the direct
    # form's there.
    x, log_w = random_mixture(6, k=50, n=80)
    f = form(x, log_w, 3.0 * 80, True)
    c = np.full((1, 50), 1 / 50, np.float32)
    for _ in range(500):
      c = mean_shift.step(f, tf.constant(c)).image.numpy()
    near = c + 1e-5 * np.random.default_rng(0).dirichlet(np.ones(50), size=1).astype(np.float32)
    gram = mean_shift.step(f, tf.constant(near))
    direct = mean_shift.step(form(x, log_w, 3.0 * 80, False), tf.constant(near @ x))
    self.assertLess(float(direct.moved[0]), 1e-8)
    self.assertAllClose(gram.moved, direct.moved, rtol=0.02)

  def test_chunks_give_the_same_step(self):
    x, log_w = random_mixture(7, k=70, n=3)
    f = form(x, log_w, 8.0, False)
    positions = tf.constant(x[:23])
    whole = mean_shift.step(f, positions)
    for chunk_size in (1, 5, 22, 23, 100):
      chunked = mean_shift.chunked_step(f, positions, tf.constant(chunk_size))
      for a, b in zip(whole, chunked):
        # Up to float32 rounding: the blocks of differently sized matmuls sum in other orders.
        self.assertAllClose(a, b, atol=1e-5)

  def test_centre_of_an_isolated_cluster_is_a_fixed_point(self):
    # Three tight clusters 10 apart: at lambda = 8 the cross terms are below e^-300, so each
    # cluster's weighted mean is a fixed point and log f there is its log total weight.
    rng = np.random.default_rng(8)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = (np.repeat(centres, 4, axis=0) + 0.01 * rng.normal(size=(12, 2))).astype(np.float32)
    x -= x.mean(0)
    log_w = np.zeros(12, np.float32)
    f = form(x, log_w, 8.0, False)
    means = x.reshape(3, 4, 2).mean(1)
    step = mean_shift.step(f, tf.constant(means))
    self.assertAllClose(step.image, means, atol=1e-5)
    self.assertAllLess(step.moved, 1e-8)
    self.assertAllClose(step.log_value, np.full(3, math.log(4.0)), atol=1e-3)


if __name__ == "__main__":
  tf.test.main()
