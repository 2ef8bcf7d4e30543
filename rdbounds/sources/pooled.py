"""Training draws from a fixed pool of samples drawn once; held-out draws pass through.

The GAN source generates about 2000 images per second on 2 cores: a lower-bound training step
on k = 1024 fresh images would spend half a second sampling them, more than the step itself.
A pool of N training samples, drawn once (N = 32768: 400 MB at 32x32x3, 17 s), is then
sampled with replacement, step after step. This changes only what the estimators train on:
the pool is a finite training set of the source, like an image folder's, and every bound is
still evaluated on fresh held-out draws (`test_batches`, `split="test"`), so its validity
does not depend on the pool.
"""

from typing import Callable

import numpy as np
import tensorflow as tf

from rdbounds.sources import base
from rdbounds import streams

_CHUNK = 4096  # Samples generated per call while the pool is filled.


class Pooled(base.View):
  """`source`, whose `split="train"` draws come from a pool of `size` samples.

  Args:
    source: the source.
    size: samples in the pool.
    seed: seed of the pool (a stream of its own: no training or held-out draw repeats it).
    log: receives one progress line while the pool fills.
  """

  def __init__(self, source: base.Source, size: int, seed: int = 0,
               log: Callable[[str], None] = lambda line: None):
    if int(size) < 1:
      raise ValueError(f"the training pool needs at least 1 sample, got {size}")
    super().__init__(source)
    counts = [min(_CHUNK, int(size) - start) for start in range(0, int(size), _CHUNK)]
    log(f"{source.name}: drawing a training pool of {int(size):,} samples")
    # A variable, so compiled training steps capture it by handle, not as a 400 MB constant.
    self.pool = tf.Variable(tf.concat([source.sample(c, seed=(seed, streams.TRAINING_POOL + j),
                                                     split="train")
                                       for j, c in enumerate(counts)], axis=0),
                            trainable=False, name="training_pool")

  def sample(self, batch_size, seed, split="train"):
    if split != "train":
      return self.source.sample(batch_size, seed, split)
    if int(batch_size) <= 0:
      raise ValueError(f"batch_size must be positive, got {batch_size}")
    index = tf.random.stateless_uniform([int(batch_size)], base.stateless_seed(seed, 0), 0,
                                        tf.shape(self.pool)[0], tf.int32)
    return tf.gather(self.pool, index)

  def test_batches(self, k, num_batches, seed):
    return self.source.test_batches(k, num_batches, seed)

  @property
  def has_whole_images(self):
    return self.source.has_whole_images

  def held_out_images(self):
    return self.source.held_out_images()

  def quadratic_view(self):
    return self.source.quadratic_view()

  def rows(self, split, start=0, stop=None) -> np.ndarray:
    return self.source.rows(split, start, stop)


def training_source(source: base.Source, size: int, seed: int = 0,
                    log: Callable[[str], None] = lambda line: None) -> base.Source:
  """`source` whose training draws come from a `Pooled` pool of `size` samples, or `source`
  itself when `size` is 0 (an estimator's `train_pool` option)."""
  return Pooled(source, size, seed, log) if size else source
