"""The training pool: training draws are rows of the pool, held-out draws are not."""

import numpy as np
import tensorflow as tf

from rdbounds.sources import make_source
from rdbounds.sources import pooled


class PooledTest(tf.test.TestCase):

  def test_training_draws_come_from_the_pool_and_held_out_draws_do_not(self):
    source = make_source("gaussian", dim=3)
    pool = pooled.Pooled(source, 500, seed=2)
    rows = pool.pool.numpy()
    self.assertEqual(rows.shape, (500, 3))
    train = pool.sample(2000, seed=(2, 7)).numpy()
    # Every training draw is a row of the pool, and 2000 draws with replacement from 500
    # rows reach most of them (1 - e^-4 = 98 % expected).
    matches = np.all(train[:, None, :] == rows[None, :, :], axis=2)
    self.assertTrue(np.all(matches.any(axis=1)))
    self.assertGreater(np.mean(matches.any(axis=0)), 0.95)
    self.assertAllEqual(train, pool.sample(2000, seed=(2, 7)))  # reproducible
    test = pool.sample(200, seed=(2, 7), split="test").numpy()
    self.assertFalse(np.any(np.all(test[:, None, :] == rows[None, :, :], axis=2)))
    batch = pool.test_batches(100, 2, seed=3)[1].numpy()
    self.assertAllEqual(batch, source.test_batches(100, 2, seed=3)[1])

  def test_an_empty_pool_is_refused(self):
    with self.assertRaisesRegex(ValueError, "^the training pool needs at least 1 sample"):
      pooled.Pooled(make_source("gaussian", dim=2), 0)


if __name__ == "__main__":
  tf.test.main()
