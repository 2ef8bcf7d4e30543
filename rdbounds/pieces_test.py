"""`in_pieces`: every row once, in order, whatever the piece size."""

import numpy as np
import tensorflow as tf

from rdbounds import pieces


class InPiecesTest(tf.test.TestCase):

  def test_rows_in_pieces_equal_one_call_for_tensors_and_arrays(self):
    x = np.random.default_rng(0).normal(size=(10, 3))
    row_norms = lambda rows: np.linalg.norm(rows, axis=1)
    for rows in (1, 3, 4, 10, 11):  # pieces that divide 10, that do not, one, more than N
      self.assertAllEqual(pieces.in_pieces(row_norms, x, rows), row_norms(x))
      tensor = pieces.in_pieces(lambda r: tf.reduce_sum(r, 1), tf.constant(x), rows)
      self.assertTrue(tf.is_tensor(tensor))
      self.assertAllClose(tensor, x.sum(1))

  def test_an_empty_batch_gives_the_empty_result(self):
    self.assertEqual(pieces.in_pieces(lambda r: r[:, 0], np.zeros((0, 3)), 4).shape, (0,))

  def test_bad_piece_size(self):
    with self.assertRaisesRegex(ValueError, "rows must be >= 1"):
      pieces.in_pieces(lambda r: r, np.zeros((2, 2)), 0)


if __name__ == "__main__":
  tf.test.main()
