"""A row-wise function on a large batch, applied a few rows at a time."""

from typing import Callable

import numpy as np
import tensorflow as tf


def in_pieces(fn: Callable, x, rows: int):
  """`fn(x)` for `x` `[N, ...]`, computed on `rows` rows at a time and concatenated on axis 0.

  For a row-wise `fn` the result is that of one call, with the memory of a call on `rows`
  rows (a network's activations, a float64 residual). Tensors from `fn` are concatenated by
  TensorFlow, arrays by numpy.
  """
  if rows < 1:
    raise ValueError(f"rows must be >= 1, got {rows}")
  size = int(x.shape[0])
  outputs = [fn(x[start:start + rows]) for start in range(0, size, rows)] or [fn(x)]
  if tf.is_tensor(outputs[0]):
    return tf.concat(outputs, axis=0)
  return np.concatenate(outputs, axis=0)
