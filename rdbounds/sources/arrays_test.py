"""npy sources: the held-out split, uint8 images, bad data named in one line, disjoint evaluation
draws without replacement, and identity by content."""

import os
import shutil

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds import sources


class ArrayEvaluationDrawsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    # 1000 rows whose first coordinate is the row number; 100 of them held out.
    self.path = os.path.join(self.get_temp_dir(), "x.npy")
    np.save(self.path, np.stack([np.arange(1000.0), np.zeros(1000)], 1).astype(np.float32))
    self.source = sources.ArraySource(self.path, test_fraction=0.1, split_seed=3)

  def test_batches_use_every_held_out_row_at_most_once(self):
    self.assertEqual(self.source.held_out_samples, 100)
    batches = self.source.test_batches(k=10, num_batches=10, seed=7)
    rows = np.concatenate([batches[j].numpy()[:, 0] for j in range(10)])
    held_out = self.source.rows("test")[:, 0]
    self.assertCountEqual(rows, held_out)  # a partition of the held-out rows
    # Drawn in a seeded random order, not in file order.
    self.assertNotAllEqual(rows, np.sort(rows))
    again = self.source.test_batches(k=10, num_batches=10, seed=7)
    self.assertAllEqual(again[3], batches[3])
    other = self.source.test_batches(k=10, num_batches=10, seed=8)
    self.assertNotAllEqual(other[3], batches[3])

  def test_too_few_held_out_rows_is_a_one_line_error_with_the_counts(self):
    with self.assertRaises(ValueError) as ctx:
      self.source.test_batches(k=10, num_batches=11, seed=0)
    message = str(ctx.exception)
    self.assertIn("110", message)
    self.assertIn("100", message)
    self.assertNotIn("\n", message)

  def test_description_is_the_content_not_the_path(self):
    copy = os.path.join(self.get_temp_dir(), "copy.npy")
    shutil.copyfile(self.path, copy)
    described = self.source.describe()
    self.assertEqual(sources.ArraySource(copy, test_fraction=0.1, split_seed=3).describe(),
                     described)
    self.assertNotIn(self.path, str(described))
    # Another held-out split, or other bytes under the same path, is another source.
    self.assertNotEqual(sources.ArraySource(copy, test_fraction=0.1, split_seed=4).describe(),
                        described)
    data = np.load(self.path)
    data[17, 1] = 1e-3
    np.save(self.path, data)
    self.assertNotEqual(sources.ArraySource(self.path, test_fraction=0.1,
                                            split_seed=3).describe(), described)

  def test_explicit_test_file_is_hashed(self):
    test = os.path.join(self.get_temp_dir(), "test.npy")
    np.save(test, np.ones((5, 2), np.float32))
    with_test = sources.ArraySource(self.path, test).describe()
    np.save(test, np.full((5, 2), 2.0, np.float32))
    self.assertNotEqual(sources.ArraySource(self.path, test).describe(), with_test)


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
