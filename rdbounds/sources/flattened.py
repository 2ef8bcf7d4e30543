"""A source's samples as vectors: `[B, H, W, C]` images as `[B, H*W*C]` rows.

The distortion (MSE per dimension) does not depend on the shape of a sample, so a vector
estimator (the WGD particles behind the particle log u) runs on images through this view.
"""

import numpy as np
import tensorflow as tf

from rdbounds.sources import base


class Flattened(base.View):
  """`source` with each sample flattened to one coordinate vector."""

  def __init__(self, source: base.Source):
    super().__init__(source)
    self.event_shape = (int(np.prod(source.event_shape)),)

  def sample(self, batch_size, seed, split="train"):
    return tf.reshape(self.source.sample(batch_size, seed, split), [-1, self.event_shape[0]])

  def test_batches(self, k, num_batches, seed):
    batches = self.source.test_batches(k, num_batches, seed)
    return base.Batches(len(batches),
                        lambda j: tf.reshape(batches[j], [-1, self.event_shape[0]]))
