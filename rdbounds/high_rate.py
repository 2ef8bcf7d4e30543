"""The high-rate asymptote of F(lambda) for a source on a d-dimensional manifold.

A diagnostic, **not a bound**: it says where R(D) tends as D -> 0, which tells which side of
a sandwich is loose where the rate is high enough for the asymptote to hold.

For X = G(Z), Z in R^d with density p_Z and G smooth and one-to-one, under MSE per dimension
rho(x, y) = |x - y|^2 / n, a small step dz moves X by rho = dz^T g(z) dz with
g = J^T J / n (J = dG/dz, `[n, d]`). Measured in that metric the source has differential
entropy h_M = h(Z) + E[1/2 ln det g(Z)] nats, and the Shannon lower bound on the manifold,
  R(D) ~ h_M - d/2 ln(2 pi e D / d)   as D -> 0,
is the classical high-rate asymptote (proven tight as D -> 0 for sources in R^d by Koch
2016; on a smooth manifold the usual high-rate approximation, not proven here). At slope
-lambda it gives D = d / (2 lambda) and
  F(lambda) ~ h_M + d/2 ln(lambda / pi).
Nothing here bounds the error at a finite lambda, and it has either sign: where a direction's
spread is not large against D / d, or G folds (several z, one x), the asymptote is off. For
a linear G it is exact once every direction is active (reverse water-filling), which
`high_rate_test` checks.
"""

import dataclasses
import math
from typing import Callable, Tuple

import numpy as np
import tensorflow as tf

from rdbounds import pieces
from rdbounds.sources import stratified_latents

# Jacobians per compiled call: d forward-mode passes through the generator on this many rows.
JACOBIAN_ROWS = 256


def truncated_normal_entropy(scale: float, bound: float) -> float:
  """Differential entropy (nats) of scale x N(0, 1) truncated to [-bound, bound] in N's units."""
  mass = math.erf(bound / math.sqrt(2.0))
  density_at_bound = math.exp(-0.5 * bound**2) / math.sqrt(2.0 * math.pi)
  return (math.log(math.sqrt(2.0 * math.pi * math.e) * scale * mass)
          - bound * density_at_bound / mass)


def half_log_det_metric(decode: Callable, latents: tf.Tensor) -> tf.Tensor:
  """1/2 ln det(J^T J / n) at each latent, `[B]` nats; `decode` maps `[B, d]` to `[B, ...]`.

  J is taken column by column in forward mode (d passes), which for d << n costs d generator
  calls where reverse mode would cost n.
  """
  latents = tf.convert_to_tensor(latents, tf.float32)
  dim = int(latents.shape[-1])

  @tf.function(reduce_retracing=True)
  def piece(z):
    columns = []
    for i in range(dim):  # d is the manifold's dimension: a handful of traced passes
      tangent = tf.one_hot(tf.fill(tf.shape(z)[:1], i), dim)
      with tf.autodiff.ForwardAccumulator(z, tangent) as accumulator:
        x = tf.reshape(decode(z), [tf.shape(z)[0], -1])
      columns.append(accumulator.jvp(x))
    jacobian = tf.cast(tf.stack(columns, axis=-1), tf.float64)  # [B, n, d]
    pixels = tf.cast(tf.shape(jacobian)[1], tf.float64)
    metric = tf.matmul(jacobian, jacobian, transpose_a=True) / pixels
    return 0.5 * tf.linalg.logdet(metric)

  return pieces.in_pieces(piece, latents, JACOBIAN_ROWS)


@dataclasses.dataclass(frozen=True)
class HighRateAsymptote:
  """F(lambda) ~ h_M + d/2 ln(lambda / pi) for a d-manifold source (module docstring).

  Attributes:
    manifold_entropy_nats: h_M, the source's entropy in the metric rho induces on it.
    manifold_entropy_se: standard error of h_M's Monte Carlo estimate (nats).
    dim: d.
  """
  manifold_entropy_nats: float
  manifold_entropy_se: float
  dim: int

  def point(self, lmbda) -> Tuple[np.ndarray, np.ndarray]:
    """The asymptote's (D, R) at slope -lambda: D = d / (2 lambda), MSE per dimension; nats."""
    lmbda = np.asarray(lmbda, np.float64)
    if np.any(lmbda <= 0):
      raise ValueError("lambda must be positive")
    distortion = self.dim / (2.0 * lmbda)
    rate = self.manifold_entropy_nats - 0.5 * self.dim * np.log(
        2.0 * math.pi * math.e * distortion / self.dim)
    return distortion, rate

  def intercept(self, lmbda) -> np.ndarray:
    """The asymptote of F(lambda) = min_D R(D) + lambda D, nats (se: `manifold_entropy_se`)."""
    distortion, rate = self.point(lmbda)
    return rate + np.asarray(lmbda, np.float64) * distortion


def from_map(decode: Callable, latents: tf.Tensor,
             latent_entropy_nats: float) -> HighRateAsymptote:
  """The asymptote of X = decode(Z) from samples `latents` `[B, d]` of Z, whose h(Z) is known."""
  half_log_dets = np.asarray(half_log_det_metric(decode, latents))
  if not np.all(np.isfinite(half_log_dets)):
    raise ValueError("the map's Jacobian is singular at some latent: it is not a "
                     f"{latents.shape[-1]}-dimensional manifold there")
  return HighRateAsymptote(
      manifold_entropy_nats=latent_entropy_nats + float(half_log_dets.mean()),
      manifold_entropy_se=float(half_log_dets.std(ddof=1) / math.sqrt(len(half_log_dets))),
      dim=int(latents.shape[-1]))


def for_gan(source, samples: int = 16384, seed: int = 0) -> HighRateAsymptote:
  """The asymptote of a `sources.gan.GanSource`: its d active latents are the truncation
  times a standard normal truncated at +-`stratified_latents.TRUNCATION_BOUND`."""
  latents = source.active_latents(samples, tf.constant([seed, 0], tf.int64))
  entropy = source.intrinsic_dim * truncated_normal_entropy(
      source.truncation, bound=stratified_latents.TRUNCATION_BOUND)
  return from_map(source.decode, latents, entropy)
