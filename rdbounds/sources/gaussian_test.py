"""Gaussian sources are named and described by their parameters."""

import os

import numpy as np
import tensorflow as tf

from rdbounds import sources


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


if __name__ == "__main__":
  tf.test.main()
