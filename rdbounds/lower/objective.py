"""The per-draw lower-bound estimator xi and the log C_k it needs (docs/method.md, "Lower bound").

For one draw of k samples and a model `log u`:

    A     = -(1/k) sum_i log u(x_i)                                   (nats)
    log C_k = log sup_y (1/k) sum_i exp(-lambda rho(x_i, y) - log u(x_i))  (nats)
    xi    = A - log alpha - C_k / alpha + 1

with rho the MSE per dimension and alpha > 0 an expansion point. Since
`-log E[C] >= -log alpha - E[C]/alpha + 1` and `E[C_k] >= sup_y E_X[...]`, E[xi] is at most
the intercept F(lambda) = min_D R(D) + lambda D, for every u and alpha.

Every draw also satisfies xi <= ln k: C_k >= max_j 1/(k u(x_j)) >= exp(A) / k, and
`-log alpha - C/alpha + 1 <= -log C`.
"""

import math

import tensorflow as tf

from rdbounds.lower.search import mixture
from rdbounds.lower import search
from rdbounds.lower.search import starts as starts_lib
from rdbounds.lower.search.options import SearchOptions


def draw(log_u, x, lmbda, starts: starts_lib.Starts = starts_lib.EXHAUSTIVE,
         options: SearchOptions = SearchOptions()):
  """`(A, log C_k)` of one batch `[k, *event_shape]`, C_k's maximizer by `search.find_mode`.

  Both are float32 and differentiable: the sup's gradient with respect to the weights of
  `log u` is the gradient of the sum at the maximizer y*, held constant (envelope theorem).
  """
  k = tf.shape(x)[0]
  log_u_x = log_u(x)
  log_w = -log_u_x - tf.math.log(tf.cast(k, tf.float32))
  result = search.find_mode(
      tf.stop_gradient(x), tf.stop_gradient(log_w), lmbda, starts, options)
  y = tf.stop_gradient(tf.cast(result.y, tf.float32))
  log_c_k = mixture.log_value(x, log_w, tf.cast(lmbda, tf.float32), y)
  return tf.reduce_mean(-log_u_x), log_c_k


def training_draw(log_u, x, lmbda, starts: int = 20, iterations: int = 50,
                  rank_by_value: bool = True, projection=None):
  """`(A, log C_k)` for a training step, with the cheap `search.quick_mode` search.

  Both are float32 and differentiable (the maximizer is held constant). With a
  `projection.Projection`, log C_k is that of the lifted samples: the upper bound on C_k an
  evaluation with the same projection reports, so training ascends what is evaluated.
  """
  k = tf.shape(x)[0]
  log_u_x = log_u(x)
  log_w = -log_u_x - tf.math.log(tf.cast(k, tf.float32))
  points, dims = x, None
  if projection is not None:
    points = projection.lift_tensor(tf.reshape(x, [k, -1]))
    dims = projection.centre.shape[0]
  y = search.quick_mode(tf.stop_gradient(points), tf.stop_gradient(log_w), lmbda,
                        starts=starts, iterations=iterations, rank_by_value=rank_by_value,
                        dims=dims)
  log_c_k = mixture.log_value(points, log_w, tf.cast(lmbda, tf.float32), tf.stop_gradient(y),
                              dims=dims)
  return tf.reduce_mean(-log_u_x), log_c_k


def xi(mean_neg_log_u, log_c_k, log_alpha):
  """The per-draw estimator `A - log alpha - C_k / alpha + 1` (nats); any float dtype."""
  return mean_neg_log_u - log_alpha - tf.exp(log_c_k - log_alpha) + 1.0


def log_mean_exp(values, axis=None):
  """log of the mean of exp(values), stably."""
  values = tf.convert_to_tensor(values)
  n = tf.cast(tf.size(values) if axis is None else tf.shape(values)[axis], values.dtype)
  return tf.reduce_logsumexp(values, axis=axis) - tf.math.log(n)


def ceiling_nats(k: int) -> float:
  """ln k: no per-draw xi, hence no intercept, from k samples can exceed it."""
  return math.log(k)
