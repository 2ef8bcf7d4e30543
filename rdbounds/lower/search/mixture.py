"""The function whose sup is C_k: an isotropic Gaussian mixture in y, in three precisions.

For samples `x_i` (i = 1..k, flattened to n coordinates), log weights `log_w_i` (nats) and
distortion `rho(x, y) = |x - y|^2 / n` (MSE per dimension),

    log f(y) = log sum_i exp(log_w_i - lambda rho(x_i, y))
             = log sum_i exp(log_w_i - beta |x_i - y|^2),     beta = lambda / n.

With `log_w_i = -log u(x_i) - log k`, `log C_k = log sup_y f(y)` (docs/method.md).

* `expansion` / `logits`: the search's float32 form. `|x_i - y|^2 = |x_i|^2 - 2 x_i.y + |y|^2`
  turns the k distances at many points y into one matmul; the `|y|^2` term is the same for
  every i, so it is left out of the logits (the softmax ignores it) and subtracted from a
  value. Its float32 error grows with `beta |x|^2` (cancellation), which is why samples are
  centred first and why values that decide the bound are recomputed by `exact_log_value`.
* `exact_log_value`: float64, direct differences `x_i - y`: the value the bound uses.
* `log_value`: float32, direct differences, differentiable: training's gradient at a fixed y.
"""

import tensorflow as tf


def expansion(x, log_w, beta):
  """`(scaled_x, bias)` with `logits(y)_i = y . scaled_x_i + bias_i = log_w_i - beta |x_i - y|^2 + beta |y|^2`.

  Folding the constants into a pre-scaled basis and one bias leaves one matmul and one
  bias-add per evaluation (on a 2-core CPU each elementwise pass over `[c, k]` logits costs
  about as much as the matmul).

  Args:
    x: `[k, n]` float32 samples (centred, for accuracy). log_w: `[k]` log weights (nats).
    beta: scalar, lambda / n.
  Returns:
    scaled_x `[k, n]` = 2 beta x, bias `[k]` = log_w - beta |x|^2.
  """
  return 2.0 * beta * x, log_w - beta * tf.reduce_sum(tf.square(x), axis=1)


def logits(rows, scaled_basis, bias):
  """`[c, k]` logits (nats, up to the row's `beta |y|^2`) at `[c, d]` rows of positions."""
  return tf.nn.bias_add(tf.matmul(rows, scaled_basis, transpose_b=True), bias)


def log_values(x, log_w, beta, y):
  """float32 `[c]` log f at `[c, n]` points `y`, by expansion (cheap, not exact)."""
  scaled_x, bias = expansion(x, log_w, beta)
  return (tf.reduce_logsumexp(logits(y, scaled_x, bias), axis=1) -
          beta * tf.reduce_sum(tf.square(y), axis=1))


@tf.function(reduce_retracing=True)
def exact_log_value(x, log_w, lmbda, y):
  """float64 `[T]` log f at each of `[T, n]` candidate points `y` (nats).

  Everything in float64 with direct differences `x_i - y_t` (no cancellation at large lambda
  or far from the origin); one candidate at a time, so memory is one float64 `[k, n]` copy
  of `x` plus one `[k, n]` difference.

  Args:
    x: `[k, n]` samples. log_w: `[k]` log weights (nats). lmbda: scalar. y: `[T, n]` points.
  """
  x = tf.cast(x, tf.float64)
  n = tf.cast(tf.shape(x)[1], tf.float64)
  log_w = tf.cast(log_w, tf.float64)
  lmbda = tf.cast(lmbda, tf.float64)

  def one(y_t):
    rho = tf.reduce_sum(tf.square(x - y_t[None, :]), axis=1) / n
    return tf.reduce_logsumexp(log_w - lmbda * rho)

  return tf.map_fn(one, tf.cast(y, tf.float64), parallel_iterations=1,
                   fn_output_signature=tf.float64)


def log_value(x, log_w, lmbda, y):
  """Differentiable float32 log f at one point `y` `[n]` (nats).

  For training: by the envelope theorem the gradient of the sup with respect to `log_w`
  (hence to log u's weights) is the gradient of log f at the maximizer held fixed.

  Args:
    x: `[k, *event_shape]` samples. log_w: `[k]`. lmbda: scalar. y: `[n]` flattened point.
  """
  x = tf.reshape(x, [tf.shape(x)[0], -1])
  rho = tf.reduce_mean(tf.square(x - y[None, :]), axis=1)
  return tf.reduce_logsumexp(log_w - lmbda * rho)
