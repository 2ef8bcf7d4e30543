"""The function whose sup is C_k: an isotropic Gaussian mixture in y, and its rounding error.

For samples `x_i` (i = 1..k, flattened to n coordinates), log weights `log_w_i` (nats) and
distortion `rho(x, y) = |x - y|^2 / n` (MSE per dimension),

    log f(y) = log sum_i exp(log_w_i - lambda rho(x_i, y))
             = log sum_i exp(log_w_i - beta |x_i - y|^2),     beta = lambda / n.

With `log_w_i = -log u(x_i) - log k`, `log C_k = log sup_y f(y)` (docs/method.md).

* `expansion` / `logits` / `log_values`: `|x_i - y|^2 = |x_i|^2 - 2 x_i.y + |y|^2` turns the
  k distances at many points y into one matmul; the `|y|^2` term is the same for every i, so
  it is left out of the logits (the softmax ignores it) and subtracted from a value. In any
  float dtype: the search runs them in float32 (or float64 where float32 is too coarse), and
  the values that decide the bound are recomputed in float64.
* `value_error_bound`: a proven bound on the rounding error of `log_values` (below).
* `log_value`: float32, direct differences, differentiable: training's gradient at a fixed y.

Rounding error of a computed log value (proven, under the assumptions stated). Let u be the
unit roundoff of the dtype (2^-24 for float32, 2^-53 for float64), gamma_m = m u / (1 - m u),
X >= max_i |x_i| and Y >= |y| (Euclidean norms of the stored, centred samples and of the
point), L = max_i |log_w_i|. Assume IEEE arithmetic (+, -, *, / correctly rounded, fused or
not), `exp` and `log` within 2u relative error, and sums of m terms in any order (so a
matmul's or a reduction's blocking does not matter: a summation tree of m terms has error at
most gamma_{m-1} times the sum of magnitudes; Higham, Accuracy and Stability of Numerical
Algorithms, 2nd ed., sec. 4.2). Then, term by term:
  * beta rounds to beta (1 + e), |e| <= u: each exponent beta |x_i - y|^2 moves by at most
    u beta (X + Y)^2;
  * |x_i|^2 has error <= gamma_n X^2 and beta |x_i|^2 then <= (gamma_n + 2u) beta X^2;
    2 beta x_i.y (matmul against the pre-scaled samples) <= (gamma_n + 2u) 2 beta X Y; the
    bias and the logit each round once more, <= u (L + beta (X + Y)^2) each;
  * the point's own beta |y|^2, subtracted at the end: <= (gamma_n + 2u) beta Y^2;
  * samples stored in a coarser dtype than the reference's (the float32 search's copy of
    float64 centred samples) differ by u |x_i|: <= 3u beta (X + Y)^2;
  * log-sum-exp with the max shifted out (`kernel_of`): exp(-z_i), z_i = max - a_i >= 0,
    has relative error <= u z_i + 2u; weighted by p_i = exp(-z_i) / S these average to
    <= u (ln k + 2), since sum_i p_i z_i <= H(p) <= ln k. The sum runs in float64
    (gamma_k of float64, < 4e-12 for k <= 2^25); the log and the final subtractions add
    <= 2u ln k + u |value| + u |value + beta |y|^2|. So the log-sum-exp adds
    <= u (3 ln k + 2 |value| + 3) + 4e-12, the logits' own error aside.
  Together: |computed - log f(y)| <= (2 gamma_n + 13u) beta (X + Y)^2 + 2u L
  + u (3 ln k + 2 |value| + 3) + 4e-12, which `value_error_bound` evaluates with a factor 2
  of slack on every term. In Gram coordinates (`mean_shift`), x_i.y = (c G)_i with
  G = X X^T rounded: the same derivation with gamma_n replaced by gamma_n + 2 gamma_k and Y
  by |c|_1 X.
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf


def expansion(x, log_w, beta):
  """`(scaled_x, bias)` with `logits(y)_i = y . scaled_x_i + bias_i = log_w_i - beta |x_i - y|^2 + beta |y|^2`.

  Folding the constants into a pre-scaled basis and one bias leaves one matmul and one
  bias-add per evaluation (on a 2-core CPU each elementwise pass over `[c, k]` logits costs
  about as much as the matmul).

  Args:
    x: `[k, n]` samples (centred, for accuracy). log_w: `[k]` log weights (nats).
    beta: scalar, lambda / n. All in one float dtype.
  Returns:
    scaled_x `[k, n]` = 2 beta x, bias `[k]` = log_w - beta |x|^2.
  """
  return 2.0 * beta * x, log_w - beta * tf.reduce_sum(tf.square(x), axis=1)


def logits(rows, scaled_basis, bias):
  """`[c, k]` logits (nats, up to the row's `beta |y|^2`) at `[c, d]` rows of positions."""
  return tf.nn.bias_add(tf.matmul(rows, scaled_basis, transpose_b=True), bias)


class Kernel(NamedTuple):
  """exp of `[c, k]` logits with each row's max shifted out, and each row's log-sum-exp.

  Attributes:
    shift: `[c, 1]` row maxima. kernel: `[c, k]` exp(logits - shift), each entry in (0, 1].
    total: `[c, 1]` the row sums of `kernel`. log_sum_exp: `[c]` shift + log total (nats).
  """
  shift: tf.Tensor
  kernel: tf.Tensor
  total: tf.Tensor
  log_sum_exp: tf.Tensor


def kernel_of(logits_) -> Kernel:
  """One exp per entry, for both the value (log-sum-exp) and the softmax of a step.

  The row sums run in float64 whatever the logits' dtype: a float32 sum of k terms could be
  off by k u relatively (1e-3 at k = 16384), which the error bound would have to carry.
  """
  shift = tf.reduce_max(logits_, axis=1, keepdims=True)
  kernel = tf.exp(logits_ - shift)
  total = tf.reduce_sum(tf.cast(kernel, tf.float64), axis=1, keepdims=True)
  log_sum_exp = shift[:, 0] + tf.cast(tf.math.log(total[:, 0]), logits_.dtype)
  return Kernel(shift, kernel, tf.cast(total, logits_.dtype), log_sum_exp)


def log_values(x, log_w, beta, y):
  """`[c]` log f at `[c, n]` points `y`, by expansion, in the dtype of `x` (nats).

  Its error is at most `value_error_bound` (proven).
  """
  scaled_x, bias = expansion(x, log_w, beta)
  return (kernel_of(logits(y, scaled_x, bias)).log_sum_exp -
          beta * tf.reduce_sum(tf.square(y), axis=1))


def unit_roundoff(dtype) -> float:
  """u = 2^-p of a float dtype with p significand bits (2^-24 float32, 2^-53 float64)."""
  return float(np.finfo(tf.as_dtype(dtype).as_numpy_dtype).eps) / 2.0


def _gamma(m, u):
  return m * u / (1.0 - m * u)


def value_error_bound(beta, sample_norm, point_norm, log_w_bound, value, n, k, dtype,
                      gram: bool = False):
  """Proven bound (nats) on |computed log f(y) - log f(y)| of `log_values` and of the search's
  steps in `dtype` (derivation and assumptions in the module docstring).

  Args:
    beta: lambda / n. sample_norm: X >= max_i |x_i| (centred samples).
    point_norm: `[c]` Y >= |y| of each point (Gram coordinates: |c|_1 X).
    log_w_bound: L >= max_i |log_w_i|. value: `[c]` the computed log values.
    n: coordinates per sample. k: samples (ints or scalar tensors).
    dtype: the dtype computed in. gram: positions in Gram coordinates.
  Returns:
    `[c]` bounds, in the dtype of `value`.
  """
  u = unit_roundoff(dtype)
  n, k = (tf.cast(v, value.dtype) for v in (n, k))
  gamma_n = _gamma(n, u) + (2.0 * _gamma(k, u) if gram else 0.0)
  spread = beta * tf.square(sample_norm + point_norm)
  bound = ((2.0 * gamma_n + 13.0 * u) * spread + 2.0 * u * log_w_bound
           + u * (3.0 * tf.math.log(k) + 2.0 * tf.abs(value) + 3.0) + 4e-12)
  return 2.0 * bound


def log_value(x, log_w, lmbda, y, dims=None):
  """Differentiable float32 log f at one point `y` `[n]` (nats).

  For training: by the envelope theorem the gradient of the sup with respect to `log_w`
  (hence to log u's weights) is the gradient of log f at the maximizer held fixed.

  Args:
    x: `[k, *event_shape]` samples. log_w: `[k]`. lmbda: scalar. y: `[n]` flattened point.
    dims: the coordinates the distortion averages over (default n).
  """
  x = tf.reshape(x, [tf.shape(x)[0], -1])
  dims = tf.cast(dims or tf.shape(x)[1], x.dtype)
  rho = tf.reduce_sum(tf.square(x - y[None, :]), axis=1) / dims
  return tf.reduce_logsumexp(log_w - lmbda * rho)
