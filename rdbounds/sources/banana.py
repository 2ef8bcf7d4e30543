"""The banana-shaped 2-d source of Ballé et al.'s nonlinear-transform-coding toy examples,
and its linear embedding in n dimensions.

Construction (all volume preserving after the Gaussian, so h(X) = h(Z)):
  z ~ N(0, diag(3^2, 0.5^2));  z2 -= 0.1 z1^2 (a shear);  rotate by 240 degrees;  shift by (1, 1).

The n-d banana is `x = W u` for a 2-d banana sample `u` and a fixed `[n, 2]` matrix `W` with
orthogonal columns of norm sqrt(n / 2) (the Q factor of a seeded Gaussian matrix, scaled).
Reconstructions off the column space of W only add distortion, so the n-d source's R(D) is the
2-d banana's under `rho(u, v) = (u - v)^T W^T W (u - v) / n`, which for this W is exactly the
2-d MSE per dimension: the embedding has the same R(D) as the 2-d banana.
"""

import math

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from rdbounds.sources import base

tfd = tfp.distributions
tfb = tfp.bijectors

EMBEDDING_SEED = 20211123  # Seed of W; part of the source's definition, do not change.


def _shear(x, output_units, **unused):
  # RealNVP with one masked unit: x2 <- x2 + shift(x1), with shift = -0.1 x1^2 (no scaling).
  del output_units, unused
  return -0.1 * tf.square(x), None


def banana_2d() -> tfd.Distribution:
  """The 2-d banana as a tfp TransformedDistribution."""
  angle = math.radians(240.0)
  rotation = tf.constant([[math.cos(angle), -math.sin(angle)],
                          [math.sin(angle), math.cos(angle)]], tf.float32)
  bijector = tfb.Chain([
      tfb.Shift(tf.constant([1.0, 1.0])),
      tfb.ScaleMatvecLinearOperator(tf.linalg.LinearOperatorFullMatrix(rotation)),
      tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=_shear),
  ])
  base_distribution = tfd.MultivariateNormalDiag(scale_diag=tf.constant([3.0, 0.5]))
  return tfd.TransformedDistribution(base_distribution, bijector)


def embedding_matrix(dim: int) -> np.ndarray:
  """The `[dim, 2]` embedding W: orthogonal columns of norm sqrt(dim / 2)."""
  rng = np.random.default_rng(EMBEDDING_SEED)
  q, r = np.linalg.qr(rng.standard_normal((dim, 2)))
  q = q * np.sign(np.diag(r))  # Make the factorization unique.
  return q * math.sqrt(dim / 2.0)


class BananaSource(base.Source):
  """Banana source in `dim >= 2` dimensions (dim = 2 is the plain 2-d banana)."""

  def __init__(self, dim: int = 2):
    dim = int(dim)
    if dim < 2:
      raise ValueError(f"the banana needs dim >= 2, got {dim}")
    self.event_shape = (dim,)
    self.name = "banana" if dim == 2 else f"banana-dim={dim}"
    self.distribution = banana_2d()
    self.embedding = None if dim == 2 else embedding_matrix(dim)
    # h(X) of the 2-d banana is that of N(0, diag(9, 0.25)); the embedding is degenerate.
    if dim == 2:
      self.differential_entropy_nats = 0.5 * math.log((2 * math.pi * math.e)**2 * 9.0 * 0.25)

  def _sample(self, batch_size, seed, split):
    u = self.distribution.sample(batch_size, seed=seed)
    if self.embedding is None:
      return u
    return tf.linalg.matmul(u, tf.constant(self.embedding, tf.float32), transpose_b=True)

  def quadratic_view(self):
    if self.embedding is None:
      return super().quadratic_view()
    w = self.embedding
    pinv = np.linalg.pinv(w)
    return base.QuadraticView(2, w.T @ w / self.dim, lambda x: np.asarray(x) @ pinv.T)

  def describe(self):
    return dict(super().describe(), kind="banana", embedding_seed=EMBEDDING_SEED)
