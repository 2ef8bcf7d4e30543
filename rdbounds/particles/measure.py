"""A particle measure nu = sum_j nu_j delta(y_j) and its Blahut-Arimoto quantities at lambda.

With rho(x, y) = |x - y|^2 / n (MSE per dimension) and nu on p particles y_j in R^n:

  log u_nu(x) = log sum_j nu_j exp(-lambda rho(x, y_j))       the BA form of the dual's u
  Q(j | x)    = nu_j exp(-lambda rho(x, y_j)) / u_nu(x)        the encoder
  D(x)        = sum_j Q(j | x) rho(x, y_j)                     MSE per dim
  R(x)        = KL(Q(.|x) || nu) = -log u_nu(x) - lambda D(x)  nats
  L_BA(nu)    = E_X[-log u_nu(X)] = E_X[R(X) + lambda D(X)]    nats, >= F(lambda).

Every function here works on blocks of samples x particles: distances come from
|x - y|^2 = |x|^2 - 2 x.y + |y|^2 (one matmul), so no `[B, p, n]` tensor is ever formed, and the
largest tensor is `[rows, p]` (training, rows = `block_rows(p, budget)`) or
`[B, particle_chunk]` (streamed evaluation).
"""

import math
from typing import Optional

import numpy as np
import tensorflow as tf

# Elements of one [rows, particles] block: 2^22 float32 = 16 MB, cache-friendly on CPU.
DEFAULT_BLOCK_ELEMENTS = 1 << 22


def block_rows(num_particles: int, budget: int = DEFAULT_BLOCK_ELEMENTS) -> int:
  """Samples per block so that a `[rows, p]` block holds about `budget` elements (>= 1)."""
  return max(1, int(budget) // max(1, int(num_particles)))


class ParticleMeasure(tf.Module):
  """p particles `[p, n]` and their normalized log-weights `[p]` (float32 variables).

  Args:
    particles: `[p, n]` initial positions.
    log_weights: `[p]` initial log-weights (normalized here); None for uniform weights.
  """

  def __init__(self, particles, log_weights=None, name: str = "particle_measure"):
    super().__init__(name=name)
    particles = tf.convert_to_tensor(particles, tf.float32)
    if particles.shape.rank != 2 or particles.shape[0] < 1 or particles.shape[1] < 1:
      raise ValueError(f"particles must be a non-empty [p, n] array, got shape {particles.shape}")
    p = int(particles.shape[0])
    if log_weights is None:
      log_weights = tf.fill([p], -math.log(p))
    log_weights = tf.convert_to_tensor(log_weights, tf.float32)
    if tuple(log_weights.shape) != (p,):
      raise ValueError(f"log_weights must have shape ({p},), got {tuple(log_weights.shape)}")
    self.particles = tf.Variable(particles, name="particles")
    self.log_weights = tf.Variable(log_weights - tf.reduce_logsumexp(log_weights),
                                   name="log_weights")

  @property
  def num_particles(self) -> int:
    return int(self.particles.shape[0])

  @property
  def dim(self) -> int:
    return int(self.particles.shape[1])

  def ceiling_nats(self) -> float:
    """max_j ln(1 / nu_j) (= ln p for uniform weights): no rate of this nu can exceed it.

    KL(Q(.|x) || nu) = sum_j Q_j ln(Q_j / nu_j) <= sum_j Q_j ln(1 / nu_j) for every x.
    """
    return float(-np.min(self.log_weights.numpy().astype(np.float64)))

  def log_u(self, x, lmbda: float, particle_chunk: Optional[int] = None):
    """log u_nu(x) `[B]` for samples `x` `[B, n]`, in x's dtype (see `encoder_moments`)."""
    log_u, _ = encoder_moments(x, self.particles, self.log_weights, lmbda, particle_chunk)
    return log_u


def _logit_offsets(particles, log_weights, lmbda):
  """`[p]` c_j = log nu_j - lambda |y_j|^2 / n.

  log nu_j - lambda rho(x, y_j) = c_j + (2 lambda / n) x.y_j - lambda |x|^2 / n, and the last
  term does not depend on j: Q(. | x) needs one matmul and one broadcast add per block.
  """
  n = tf.cast(tf.shape(particles)[1], particles.dtype)
  return log_weights - lmbda / n * tf.reduce_sum(tf.square(particles), axis=1)


def encoder_moments(x, particles, log_weights, lmbda, particle_chunk: Optional[int] = None):
  """Per-sample `(log u_nu(x), D(x))`, both `[B]`, streamed over chunks of particles.

  A running log-sum-exp keeps memory at `[B, particle_chunk]` for any p. D(x) comes from
  E_Q[|x - y|^2] = |x|^2 - 2 x.E_Q[y] + E_Q[|y|^2], accumulated as `[B, n]` and `[B]` sums,
  so no distance matrix is kept. Computed in the dtype of `x`: in float64 (the exact
  evaluation) the expansions lose about 1e-16 (|x|^2 + |y|^2) lambda / n nats; in float32
  about 1e-7 of that.

  Args:
    x: `[B, n]` samples.
    particles, log_weights: `[p, n]` and `[p]` (normalized).
    lmbda: lambda.
    particle_chunk: particles per chunk (None: all at once).
  """
  dtype = x.dtype
  particles = tf.cast(particles, dtype)
  lmbda = tf.cast(lmbda, dtype)
  offsets = _logit_offsets(particles, tf.cast(log_weights, dtype), lmbda)
  squared_norms = tf.reduce_sum(tf.square(particles), axis=1)
  p, n = tf.shape(particles)[0], tf.shape(x)[1]
  nf = tf.cast(n, dtype)
  chunk = p if particle_chunk is None else tf.minimum(p, int(particle_chunk))
  batch = tf.shape(x)[0]
  scaled_x = x * (2.0 * lmbda / nf)
  # Running max m and, relative to exp(m): s = sum e, mean_y = sum e y, mean_y2 = sum e |y|^2.
  m = tf.fill([batch, 1], tf.constant(-np.inf, dtype))
  s = tf.zeros([batch, 1], dtype)
  mean_y = tf.zeros([batch, n], dtype)
  mean_y2 = tf.zeros([batch, 1], dtype)
  for start in tf.range(0, p, chunk):
    y = particles[start:start + chunk]
    a = offsets[tf.newaxis, start:start + chunk] + tf.matmul(scaled_x, y, transpose_b=True)
    m_new = tf.maximum(m, tf.reduce_max(a, axis=1, keepdims=True))
    shrink = tf.exp(m - m_new)
    e = tf.exp(a - m_new)
    s = s * shrink + tf.reduce_sum(e, axis=1, keepdims=True)
    mean_y = mean_y * shrink + tf.matmul(e, y)
    mean_y2 = mean_y2 * shrink + tf.matmul(e, squared_norms[start:start + chunk, tf.newaxis])
    m = m_new
  x2 = tf.reduce_sum(tf.square(x), axis=1, keepdims=True)
  log_u = m + tf.math.log(s) - lmbda / nf * x2
  squared = x2 - 2.0 * tf.reduce_sum(x * mean_y, axis=1, keepdims=True) / s + mean_y2 / s
  return log_u[:, 0], tf.maximum(squared[:, 0], 0.0) / nf


def ba_statistics(x, particles, log_weights, lmbda, rows: int):
  """L_BA on a batch and its Wasserstein gradient, in blocks of `rows` samples x all particles.

  Args:
    x: `[B, n]` float32 samples.
    particles, log_weights: `[p, n]`, `[p]` float32.
    lmbda: lambda.
    rows: samples per block (`block_rows`).

  Returns:
    dict of
      loss: mean of -log u_nu(x) (L_BA on the batch, nats);
      distortion: mean of D(x);
      responsibility: `[p]` mean of Q(j | x) over the batch (the BA update of nu);
      wasserstein_gradient: `[p, n]` (2 lambda / n) mean_x r_j(x) (y_j - x), where
        r_j(x) = exp(-lambda rho(x, y_j)) / u_nu(x) = Q(j | x) / nu_j. It is the gradient of
        L_BA with respect to y_j divided by nu_j: the gradient of the first variation of L_BA
        at y_j, which moves particles as a Wasserstein gradient flow of L_BA does.
  """
  lmbda = tf.cast(lmbda, tf.float32)
  batch, n = tf.shape(x)[0], tf.shape(x)[1]
  p = tf.shape(particles)[0]
  nf = tf.cast(n, tf.float32)
  c = _logit_offsets(particles, log_weights, lmbda)

  def block_sums(block):
    """(sum of -log u, sum of Q, sum of Q x) over one block of samples."""
    a = c[tf.newaxis, :] + tf.matmul(block * (2.0 * lmbda / nf), particles, transpose_b=True)
    m = tf.reduce_max(a, axis=1, keepdims=True)
    e = tf.exp(a - m)  # The only exp per pair: Q(j | x) = e / total, r_j(x) = Q / nu_j.
    total = tf.reduce_sum(e, axis=1, keepdims=True)
    log_u = m + tf.math.log(total) - lmbda / nf * tf.reduce_sum(tf.square(block), axis=1,
                                                                keepdims=True)
    # Sums over x of Q and of Q x, with 1 / total folded into the small operands.
    inverse_total = 1.0 / total
    return (-tf.reduce_sum(tf.cast(log_u, tf.float64)),
            tf.matmul(inverse_total, e, transpose_a=True)[0],
            tf.matmul(e, block * inverse_total, transpose_a=True))

  if x.shape[0] is not None and x.shape[0] <= rows:
    loss, q_sum, pulled = block_sums(x)  # One block: no loop to compile.
  else:
    loss = tf.zeros([], tf.float64)
    q_sum = tf.zeros([p], tf.float32)
    pulled = tf.zeros([p, n], tf.float32)
    for start in tf.range(0, batch, rows):
      sums = block_sums(x[start:start + rows])
      loss, q_sum, pulled = loss + sums[0], q_sum + sums[1], pulled + sums[2]
  count = tf.cast(batch, tf.float32)
  # r_j(x) = Q(j | x) / nu_j: the sums over x of Q are divided by nu_j once, per particle.
  scale = (2.0 * lmbda / nf / count) * tf.exp(-log_weights)[:, tf.newaxis]
  gradient = scale * (q_sum[:, tf.newaxis] * particles - pulled)
  # sum_x E_Q[|x - y|^2] from the sums above (rows of Q sum to 1), without another pass.
  squared = (tf.reduce_sum(tf.square(x)) - 2.0 * tf.reduce_sum(particles * pulled)
             + tf.reduce_sum(q_sum * tf.reduce_sum(tf.square(particles), axis=1)))
  return {"loss": tf.cast(loss / tf.cast(batch, tf.float64), tf.float32),
          "distortion": squared / (count * nf),
          "responsibility": q_sum / count,
          "wasserstein_gradient": gradient}
