"""Training's search: a cheap maximizer of the mixture, from the t most promising samples.

Training needs y* only for the gradient, which by the envelope theorem is only second-order
sensitive to an error in y*; the value is recomputed at y* (`mixture.log_value`). So this
search takes plain mean-shift steps (`mean_shift.step`, direct form) from the t samples
where the mixture is highest (`starts.start_indices`), for at most `iterations` steps, with
no pruning, no convergence bookkeeping and no exact evaluation. Evaluation uses
`exhaustive.find_mode`.
"""

import tensorflow as tf

from rdbounds.lower.search import mean_shift
from rdbounds.lower.search import mixture
from rdbounds.lower.search import starts as starts_lib


@tf.function(reduce_retracing=True)
def _climb(x, log_w, beta, start_index, iterations, tol):
  """Plain mean-shift from `x[start_index]` until every start moves less than `tol` (nats) or
  after `iterations` steps; the `[n]` best point."""
  form = mean_shift.Form.build(x, log_w, beta, gram=False)

  def cond(i, y, moved):
    return tf.logical_and(i < iterations, moved >= tol)

  def body(i, y, moved):
    step = mean_shift.step(form, y)
    return i + 1, step.image, tf.reduce_max(step.moved)

  _, y, _ = tf.while_loop(cond, body, [tf.constant(0), tf.gather(x, start_index),
                                       tf.constant(float("inf"), x.dtype)])
  return y[tf.argmax(mixture.log_values(x, log_w, beta, y))]


def quick_mode(x, log_w, lmbda, starts: int = 20, iterations: int = 50, tol: float = 1e-6,
               rank_by_value: bool = True, chunk_size: int = 512, dims=None) -> tf.Tensor:
  """A maximizer of `sum_i exp(log_w_i - lambda rho(x_i, y))` for a training step.

  Args:
    x: `[k, *event_shape]` samples. log_w: `[k]` log weights (nats). lmbda: lambda.
    starts: t, the number of starting samples.
    iterations: cap on mean-shift steps.
    tol: stop once every start's step gains less than this (nats).
    rank_by_value: start where the mixture is highest (default) rather than at the heaviest
      samples (`starts.start_indices`).
    chunk_size: rows per chunk when ranking by value (memory ~ chunk x k floats).
    dims: the coordinates the distortion averages over (default: x's own; lifted samples,
      `projection`, keep the original's).
  Returns:
    `[n]` float32 y (flattened event, the input's coordinates).
  """
  x = tf.convert_to_tensor(x, tf.float32)
  x = tf.reshape(x, [tf.shape(x)[0], -1])
  centre = tf.reduce_mean(x, axis=0)
  log_w = tf.cast(log_w, tf.float32)
  beta = tf.cast(lmbda, tf.float32) / tf.cast(dims or tf.shape(x)[1], tf.float32)
  index = starts_lib.start_indices(x - centre, log_w, beta, int(starts), chunk_size,
                                   rank_by_value)
  return _climb(x - centre, log_w, beta, index, tf.constant(iterations),
                tf.constant(tol, tf.float32)) + centre
