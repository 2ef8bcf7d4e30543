"""Where the mode searches start: every sample, the t most promising, or given indices."""

from typing import Sequence, Union

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import mean_shift
from rdbounds.lower.search import mixture

EXHAUSTIVE = "exhaustive"

Starts = Union[str, int, Sequence[int], np.ndarray]


def start_indices(x, log_w, beta, starts: Starts, chunk_size: int = 512,
                  rank_by_value: bool = True) -> tf.Tensor:
  """`[S]` int32 indices of the starting samples.

  Exhaustive: all k. An int t: the t samples where the mixture itself is highest,
  `f(x_j) = sum_i exp(log_w_i - beta |x_i - x_j|^2)` (a chunked k x k pass, as dear as one
  exhaustive iteration), or with `rank_by_value=False` the t of largest weight (O(k); misses
  sups where many moderate weights overlap, and training then exploits the missed region, so
  a bound trained this way is loose when evaluated exhaustively). Either way
  the sample of largest value or weight is a start, so the result is at least
  `max_j w_j`, which is what caps every xi at ln k. A sequence: those indices.

  Args:
    x: `[k, n]` float32 (centred) samples. log_w: `[k]`. beta: lambda / n.
  """
  k = tf.shape(log_w)[0]
  if isinstance(starts, str):
    if starts != EXHAUSTIVE:
      raise ValueError(f"starts must be 'exhaustive', an int or indices, got {starts!r}")
    return tf.range(k)
  if not np.isscalar(starts):
    return tf.reshape(tf.cast(starts, tf.int32), [-1])
  t = int(starts)
  if t < 1:
    raise ValueError(f"starts must be 'exhaustive', an int >= 1 or indices, got {starts!r}")
  if not rank_by_value:
    return tf.math.top_k(log_w, k=tf.minimum(t, k)).indices
  values, = mean_shift.map_chunks(lambda rows: (mixture.log_values(x, log_w, beta, rows),),
                                  x, chunk_size, 1)
  return tf.math.top_k(values, k=tf.minimum(t, k)).indices
