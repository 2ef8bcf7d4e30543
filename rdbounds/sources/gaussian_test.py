"""Gaussian sources: moments, stateless sampling, parameter files, and names and descriptions
by their parameters."""

import os

import numpy as np
import tensorflow as tf

from rdbounds import sources

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class GaussianIdentityTest(tf.test.TestCase):

  def _npz(self, name, loc, scale):
    path = os.path.join(self.get_temp_dir(), name)
    np.savez(path, loc=loc, scale=scale)
    return path

  def test_npz_gaussian_is_not_the_standard_one(self):
    standard = sources.GaussianSource.standard(2)
    other = sources.GaussianSource.from_npz(self._npz("p.npz", [0.0, 0.0], [1.0, 2.0]))
    self.assertNotEqual(other.describe(), standard.describe())
    self.assertNotEqual(other.name, standard.name)
    self.assertStartsWith(other.name, "gaussian-dim=2-")
    shifted = sources.GaussianSource.from_npz(self._npz("q.npz", [0.0, 0.5], [1.0, 1.0]))
    self.assertNotEqual(shifted.describe(), standard.describe())
    self.assertNotEqual(shifted.describe(), other.describe())

  def test_same_parameters_are_the_same_source_wherever_they_come_from(self):
    a = sources.GaussianSource.from_npz(self._npz("a.npz", [0.3, -1.0], [0.5, 2.0]))
    b = sources.GaussianSource.from_npz(self._npz("b.npz", [0.3, -1.0], [0.5, 2.0]))
    self.assertEqual(a.describe(), b.describe())
    # An npz that holds N(0, I_2) is N(0, I_2).
    unit = sources.GaussianSource.from_npz(self._npz("unit.npz", [-0.0, 0.0], [1.0, 1.0]))
    self.assertEqual(unit.describe(), sources.GaussianSource.standard(2).describe())


class GaussianSamplingTest(tf.test.TestCase):

  def test_gaussian_moments_and_determinism(self):
    source = sources.GaussianSource(loc=[1.0, -2.0, 0.0], scale=[0.5, 2.0, 1.0])
    x = source.sample(200_000, seed=3).numpy()
    self.assertAllClose(x.mean(0), [1.0, -2.0, 0.0], atol=0.02)
    self.assertAllClose(x.std(0), [0.5, 2.0, 1.0], atol=0.02)
    self.assertAllEqual(source.sample(8, seed=3), source.sample(8, seed=3))
    self.assertNotAllClose(source.sample(8, seed=3), source.sample(8, seed=3, split="test"))
    self.assertAllClose(source.analytic.variances, [0.25, 4.0, 1.0])

  def test_gaussian_params_file(self):
    path = os.path.join(self.get_temp_dir(), "params.npz")
    np.savez(path, loc=np.zeros(5), scale=np.full(5, 2.0))
    source = sources.make_source("gaussian", gaussian_params=path)
    self.assertEqual(source.event_shape, (5,))
    with self.assertRaisesRegex(ValueError, "no such file"):
      sources.make_source("gaussian", gaussian_params=path + ".missing")
    np.savez(path, loc=np.zeros(5))
    with self.assertRaisesRegex(ValueError, "scale"):
      sources.make_source("gaussian", gaussian_params=path)

  def test_shipped_gaussian_params(self):
    path = os.path.join(ROOT, "data", "gaussian_params-dim=1000.npz")
    source = sources.GaussianSource.from_npz(path)
    self.assertEqual(source.dim, 1000)
    self.assertTrue(np.all(np.abs(source.loc) <= 0.5))
    self.assertTrue(np.all((source.scale**2 > 0) & (source.scale**2 <= 2)))


if __name__ == "__main__":
  tf.test.main()
