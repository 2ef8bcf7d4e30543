"""The test landscapes are what they claim: the "optimal" u is optimal (f ~ 1 where Y lives)."""

import math

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import mixture_test
from rdbounds.lower.search import cases


class SearchCasesTest(tf.test.TestCase):

  def test_optimal_u_makes_the_expectation_one_where_the_reproduction_lives(self):
    # E_X[exp(-lambda rho(X, y)) / u*(X)] = 1 for y in the support of the optimal
    # reproduction (the active coordinates; zero elsewhere) and below 1 off it: the sample
    # average over many x is within its sampling error of that.
    for n in (2, 16, 256):
      x, log_w, lmbda = cases.case("optimal", 100_000, n, seed=n)
      rng = np.random.default_rng(0)
      on = np.zeros((4, n), np.float32)
      on[:, :min(n, cases.ACTIVE)] = rng.normal(
          scale=0.5, size=(4, min(n, cases.ACTIVE)))
      off = on.copy()
      if n > cases.ACTIVE:
        off[:, cases.ACTIVE:] = 0.5
      values = np.concatenate([mixture_test.log_f_numpy(x, log_w, lmbda, y) for y in on])
      self.assertAllClose(values, np.zeros(4), atol=0.05)
      if n > cases.ACTIVE:
        below = np.concatenate([mixture_test.log_f_numpy(x, log_w, lmbda, y) for y in off])
        self.assertAllLess(below, -0.5)

  def test_unknown_kind_raises_one_line(self):
    with self.assertRaisesRegex(ValueError, "^kind must be one of [^\n]*'flat'$"):
      cases.case("flat", 10, 2)


if __name__ == "__main__":
  tf.test.main()
