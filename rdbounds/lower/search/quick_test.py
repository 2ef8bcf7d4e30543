"""Training's quick search: a start at the best sample, never above the exhaustive search."""

import math

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import mixture
from rdbounds.lower.search import mixture_test
from rdbounds.lower.search import exhaustive
from rdbounds.lower.search import quick


class QuickSearchTest(tf.test.TestCase):

  def test_between_the_best_sample_and_the_exhaustive_sup(self):
    rng = np.random.default_rng(4)
    centres = rng.normal(scale=3.0, size=(5, 2))
    x = (centres[rng.integers(5, size=200)] + 0.4 * rng.normal(size=(200, 2))).astype(np.float32)
    log_w = (rng.normal(size=200) - math.log(200)).astype(np.float32)
    lmbda = 10.0
    y = quick.quick_mode(x, log_w, lmbda, starts=5)
    value = float(mixture_test.log_f_numpy(x, log_w, lmbda, y[None])[0])
    best = float(exhaustive.find_mode(x, log_w, lmbda).log_c)
    at_samples = mixture_test.log_f_numpy(x, log_w, lmbda, x)
    self.assertGreaterEqual(value, at_samples.max() - 1e-6)
    self.assertLessEqual(value, best + 1e-6)

  def test_climbs_to_the_heaviest_cluster_between_its_samples(self):
    # 5 and 7 unit weights repeated at two points, 10 spread symmetrically over +-0.3 around
    # (10, 0) (cross terms < e^-300): the sup is the centre of the 10, by symmetry, where no
    # sample lies.
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = np.repeat(centres, [5, 10, 7], axis=0).astype(np.float32)
    x[5:15, 0] += np.linspace(-0.3, 0.3, 10).astype(np.float32)
    log_w = np.zeros(22, np.float32)
    y = quick.quick_mode(x, log_w, 8.0, starts=3, iterations=200, tol=1e-12)
    self.assertAllClose(y, [10.0, 0.0], atol=1e-5)


if __name__ == "__main__":
  tf.test.main()
