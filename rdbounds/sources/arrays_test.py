"""npy sources: disjoint evaluation draws without replacement, and identity by content."""

import os
import shutil

import numpy as np
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


if __name__ == "__main__":
  tf.test.main()
