"""Sources: distributions, stateless sampling, the banana's embedding, and bad user data."""

import math
import os

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds import sources
from rdbounds.sources import banana


class SyntheticSourcesTest(tf.test.TestCase, parameterized.TestCase):

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
    path = os.path.join(os.path.dirname(__file__), "..", "data", "gaussian_params-dim=1000.npz")
    source = sources.GaussianSource.from_npz(path)
    self.assertEqual(source.dim, 1000)
    self.assertTrue(np.all(np.abs(source.loc) <= 0.5))
    self.assertTrue(np.all((source.scale**2 > 0) & (source.scale**2 <= 2)))

  def test_banana_moments(self):
    # Mean: rotate (0, -0.1 E[z1^2]) = (0, -0.9) by 240 degrees, shift by (1, 1).
    x = sources.BananaSource().sample(400_000, seed=0).numpy()
    angle = math.radians(240)
    expected = np.array([0.9 * math.sin(angle), -0.9 * math.cos(angle)]) + 1.0
    self.assertAllClose(x.mean(0), expected, atol=0.02)
    # The transform is volume preserving, so the log density integrates like h(Z).
    log_p = sources.BananaSource().distribution.log_prob(x[:20000]).numpy()
    self.assertAllClose(-log_p.mean(), sources.BananaSource().differential_entropy_nats, atol=0.03)

  @parameterized.parameters(3, 16)
  def test_banana_embedding_preserves_per_dim_distortion(self, dim):
    w = banana.embedding_matrix(dim)
    self.assertAllClose(w.T @ w / dim, np.eye(2) / 2, atol=1e-12)
    source = sources.BananaSource(dim)
    x = source.sample(1000, seed=2).numpy()
    u = source.quadratic_view().to_base(x)
    self.assertAllClose(x, u @ w.T, atol=1e-4)  # Samples lie in the span of W.
    self.assertAllClose(u, sources.BananaSource(2).sample(1000, seed=2), atol=1e-4)

  def test_bad_options(self):
    with self.assertRaisesRegex(ValueError, "valid: banana"):
      sources.make_source("mnist")
    with self.assertRaisesRegex(ValueError, "dim >= 2"):
      sources.make_source("banana", dim=1)
    with self.assertRaisesRegex(ValueError, "split"):
      sources.BananaSource().sample(4, 0, split="validation")


class ArraySourceTest(tf.test.TestCase, parameterized.TestCase):

  def _save(self, name, array):
    path = os.path.join(self.get_temp_dir(), name)
    np.save(path, array)
    return path

  def test_held_out_split_is_disjoint_and_seeded(self):
    data = np.arange(200, dtype=np.float32).reshape(100, 2)
    source = sources.make_source("npy", train=self._save("x.npy", data))
    self.assertEqual(source.size, {"train": 90, "test": 10})
    train = source.rows("train")[:, 0]
    test = source.rows("test")[:, 0]
    self.assertEmpty(set(train) & set(test))
    drawn = source.sample(500, seed=0).numpy()[:, 0]
    self.assertEmpty(set(drawn) & set(test))
    self.assertAllEqual(source.sample(16, seed=5), source.sample(16, seed=5))

  def test_explicit_test_file_and_uint8_images(self):
    images = np.random.default_rng(0).integers(0, 256, (6, 4, 4, 3), dtype=np.uint8)
    source = sources.make_source("npy", train=self._save("a.npy", images),
                                 test=self._save("b.npy", images[:2]))
    self.assertTrue(source.is_image)
    self.assertEqual(source.pixels_per_sample, 16)
    batch = source.sample(5, seed=0, split="test").numpy()
    self.assertAllInRange(batch, 0.0, 1.0)
    self.assertEqual(batch.shape, (5, 4, 4, 3))

  @parameterized.named_parameters(
      ("nan", np.array([[0.0, np.nan]] * 4), "NaN or inf"),
      ("inf", np.array([[0.0, np.inf]] * 4), "NaN or inf"),
      ("rank", np.zeros((4, 2, 2)), "rank 3"),
      ("empty", np.zeros((0, 2)), "empty"),
      ("strings", np.array([["a", "b"]] * 4), "not numeric"),
      ("objects", np.array([[object()]] * 4, dtype=object), "not a numeric"),
      ("image_range", np.full((3, 2, 2, 1), 2.0), r"\[0, 1\]"),
  )
  def test_bad_data_names_file_and_problem(self, array, message):
    path = os.path.join(self.get_temp_dir(), "bad.npy")
    np.save(path, array, allow_pickle=True)
    with self.assertRaisesRegex(sources.DataError, f"{path}: .*{message}"):
      sources.make_source("npy", train=path)

  def test_missing_file(self):
    with self.assertRaisesRegex(sources.DataError, "no such file"):
      sources.make_source("npy", train="/nonexistent/x.npy")
    with self.assertRaisesRegex(ValueError, "--train"):
      sources.make_source("npy")


if __name__ == "__main__":
  tf.test.main()
