"""Held-out evaluation data and the means and standard errors of per-sample quantities.

An achievable point (D, R) is measured on samples its model never fitted: fresh `split="test"`
draws for synthetic sources, one full pass over the test split for finite data
(`source.size` is not None). Per-sample values are summed in float64 (count, sum, sum of
squares) inside compiled batches, so means and standard errors (std / sqrt(n)) need no
per-sample Python work.
"""

import dataclasses
import math
from typing import Iterator

import tensorflow as tf

from rdbounds.sources import base


@dataclasses.dataclass(frozen=True)
class Moments:
  """Mean and standard error of a per-sample quantity over n samples."""
  mean: float
  se: float
  n: int


class Accumulator:
  """float64 sums of per-sample values, for means and standard errors."""

  def __init__(self):
    self.n, self.total, self.total_sq = 0, 0.0, 0.0

  def add(self, sums):
    """Adds one batch's `sums(values)` (count, sum, sum of squares)."""
    n, total, total_sq = (float(v) for v in sums)
    self.n += int(n)
    self.total += total
    self.total_sq += total_sq

  def moments(self) -> Moments:
    mean = self.total / self.n
    var = max(self.total_sq / self.n - mean**2, 0.0) * self.n / max(self.n - 1, 1)
    return Moments(mean, math.sqrt(var / self.n), self.n)


def sums(values) -> tf.Tensor:
  """`[3]` float64 (count, sum, sum of squares) of a tensor of per-sample values."""
  values = tf.cast(values, tf.float64)
  return tf.stack([tf.cast(tf.size(values), tf.float64), tf.reduce_sum(values),
                   tf.reduce_sum(tf.square(values))])


def batches(source: base.Source, num_samples: int, batch_size: int, seed: int
            ) -> Iterator[tf.Tensor]:
  """Held-out batches `[<= batch_size, *event_shape]` float32.

  Finite data: the whole test split in order (`num_samples` is ignored). Synthetic sources:
  `num_samples` fresh test draws, batch i seeded by (seed, i).
  """
  if batch_size < 1:
    raise ValueError(f"batch_size must be >= 1, got {batch_size}")
  if source.size is not None:
    total = source.size["test"]
    for start in range(0, total, batch_size):
      yield tf.constant(source.rows("test", start, min(start + batch_size, total)))
    return
  if num_samples < 1:
    raise ValueError(f"num_samples must be >= 1, got {num_samples}")
  for i in range(math.ceil(num_samples / batch_size)):
    size = min(batch_size, num_samples - i * batch_size)
    yield source.sample(size, seed=(seed, i), split="test")
