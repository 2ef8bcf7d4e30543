"""The projected search: never below the exact sup, close to it where the samples lie near the
principal span, and its lemma (f(y) <= g(lift(y))) against numpy at random points."""

import math

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds.lower.search import exhaustive
from rdbounds.lower.search import mixture_test
from rdbounds.lower.search import projection as projection_lib


def near_subspace(seed, k, n, rank, noise):
  """`[k, n]` samples of a `rank`-dimensional Gaussian plus isotropic noise of std `noise`."""
  rng = np.random.default_rng(seed)
  basis = np.linalg.qr(rng.normal(size=(n, rank)))[0]
  return (rng.normal(size=(k, rank)) * 2.0) @ basis.T + noise * rng.normal(size=(k, n))


class ProjectionTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(4096, 7)
  def test_the_lift_keeps_every_sample_norm(self, rows):
    # Coordinates and block norms split |x - centre|^2 by Pythagoras: a block left out, or
    # counted twice, breaks it; so does a row mislaid between pieces (rows=7: 43 pieces).
    x = near_subspace(0, 300, 40, 5, 0.3)
    projection = projection_lib.Projection.principal(x, (4, 8, 16))
    lifted = projection.lift(x, rows=rows)
    self.assertEqual(lifted.shape, (300, 4 + 3))
    self.assertAllClose(np.sum(lifted**2, axis=1),
                        np.sum((x - projection.centre)**2, axis=1), rtol=1e-12)
    self.assertAllClose(projection.lift_tensor(tf.constant(x)), lifted, rtol=1e-12)

  @parameterized.parameters(((2,),), ((3, 6),), ((1, 2, 4, 10),))
  def test_the_lifted_mixture_is_above_the_mixture_at_every_point(self, edges):
    # The lemma behind the bound, at random points near and far from the samples.
    rng = np.random.default_rng(1)
    x = near_subspace(1, 200, 30, 4, 0.5)
    log_w = rng.normal(size=200) - math.log(200)
    projection = projection_lib.Projection.principal(x, edges)
    y = np.concatenate([x[:20] + 0.3 * rng.normal(size=(20, 30)), rng.normal(size=(20, 30))])
    lmbda = 40.0
    exact = mixture_test.log_f_numpy(x, log_w, lmbda, y)
    lifted = _log_g(projection, x, log_w, lmbda, y)
    self.assertTrue(np.all(lifted >= exact - 1e-12), lifted - exact)

  @parameterized.parameters((0, 3.0), (1, 30.0), (2, 300.0))
  def test_projected_sup_is_never_below_the_exact_one(self, seed, lmbda):
    x = near_subspace(seed, 400, 24, 3, 0.4)
    log_w = np.random.default_rng(seed).normal(size=400) - math.log(400)
    exact = float(exhaustive.find_mode(x, log_w, lmbda).log_c)
    for edges in ((2,), (3, 6), (8,)):
      projection = projection_lib.Projection.principal(x, edges)
      bound = float(projection_lib.find_mode(x, log_w, lmbda, projection).log_c)
      self.assertGreaterEqual(bound, exact - 1e-9, f"edges {edges}")

  def test_close_to_the_exact_sup_when_the_samples_lie_near_the_span(self):
    # Rank-3 data with noise 1e-3: three coordinates and one norm lose almost nothing.
    x = near_subspace(3, 500, 50, 3, 1e-3)
    log_w = np.random.default_rng(3).normal(size=500) - math.log(500)
    projection = projection_lib.Projection.principal(x, (3,))
    for lmbda in (5.0, 50.0):
      exact = float(exhaustive.find_mode(x, log_w, lmbda).log_c)
      bound = float(projection_lib.find_mode(x, log_w, lmbda, projection).log_c)
      self.assertBetween(bound - exact, -1e-9, 1e-3)

  def test_bad_edges_raise_one_line(self):
    x = np.zeros((10, 5))
    for edges in ((), (0,), (3, 3), (2, 5)):
      with self.assertRaisesRegex(ValueError, "^projection edges must [^\n]*$"):
        projection_lib.Projection.principal(x, edges)


def _log_g(projection, x, log_w, lmbda, y):
  """log g(lift(y)): the lifted samples' mixture with the original beta = lambda / n."""
  n = x.shape[1]
  lifted_x, lifted_y = projection.lift(x), projection.lift(y)
  # log_f_numpy divides by the points' own dimension; rescale lambda to keep beta.
  return mixture_test.log_f_numpy(lifted_x, log_w, lmbda * projection.lifted_dim / n, lifted_y)


if __name__ == "__main__":
  tf.test.main()
