"""An upper bound on C_k from a search in a few dimensions: principal coordinates and block norms.

For images at large k the exhaustive search in n = H W C coordinates costs k^2 n per sweep
(k = 16384, n = 3072: 8e11 multiply-adds). Split R^n into orthogonal parts: the span of p
principal directions (coordinates `P x`) and blocks B_1, ..., B_b that together span the
rest (the next principal directions in groups, the last block everything left). For every
point y, by Pythagoras and the reverse triangle inequality in each block,

    |x_i - y|^2 = |P x_i - P y|^2 + sum_b |B_b x_i - B_b y|^2
               >= |P x_i - P y|^2 + sum_b (|B_b x_i| - |B_b y|)^2,

so the mixture f(y) = sum_i w_i exp(-beta |x_i - y|^2) is at most g(P y, |B_1 y|, ..., |B_b y|)
with g the mixture of the same weights at the lifted samples
L(x_i) = (P x_i, |B_1 x_i|, ..., |B_b x_i|) in p + b dimensions. Hence sup f <= sup g:
`find_mode` on the lifted samples (same beta, i.e. `dims = n`) gives an upper bound on log C_k,
and using it in place of log C_k keeps the lower bound valid, whatever directions are chosen
(proven; the search for sup g carries the same assumptions as any exhaustive search). It is
tight where the samples lie near the span of P and the blocks' norms vary little between
neighbouring samples; what it loses is measured (`projection_test`, docs/method.md).

The directions come from training samples, not from the draw being evaluated (any choice is
valid; this one costs one eigendecomposition per job). The lift is computed in float64; its
rounding (below 1e-12 nats at the values in question) is added to the result, so it is not
assumed away.
"""

import dataclasses
from typing import Sequence

import numpy as np
import tensorflow as tf

from rdbounds import pieces
from rdbounds.lower.search import exhaustive
from rdbounds.lower.search import mixture
from rdbounds.lower.search import spread as spread_lib
from rdbounds.lower.search.options import SearchOptions


@dataclasses.dataclass(frozen=True)
class Projection:
  """Where to lift samples: `edges[0]` principal coordinates, then block norms.

  Attributes:
    centre: `[n]` float64, subtracted before projecting (the bound holds for any centre).
    directions: `[n, edges[-1]]` float64 orthonormal principal directions, by decreasing
      variance of the samples they were computed from.
    edges: the first `edges[0]` directions are kept as coordinates; directions
      `edges[j - 1]:edges[j]` form block j; the last block is the orthogonal complement of
      all `edges[-1]` directions. Lifted dimension: edges[0] + len(edges).
  """
  centre: np.ndarray
  directions: np.ndarray
  edges: tuple

  @classmethod
  def principal(cls, samples, edges: Sequence[int]) -> "Projection":
    """Directions of largest variance of `samples` `[N, *event_shape]`.

    Raises:
      ValueError: edges not increasing, or more directions than the samples' dimension.
    """
    x = np.asarray(samples, np.float64).reshape(len(samples), -1)
    edges = tuple(int(e) for e in edges)
    if not edges or edges[0] < 1 or any(b <= a for a, b in zip(edges, edges[1:])):
      raise ValueError(f"projection edges must be increasing positive integers, got {edges}")
    if edges[-1] >= x.shape[1]:
      raise ValueError(f"projection edges must stay below the dimension {x.shape[1]}, got "
                       f"{edges}")
    centre = x.mean(axis=0)
    centred = x - centre
    _, vectors = np.linalg.eigh(centred.T @ centred / len(x))  # ascending eigenvalues
    return cls(centre, np.ascontiguousarray(vectors[:, ::-1][:, :edges[-1]]), edges)

  @property
  def lifted_dim(self) -> int:
    return self.edges[0] + len(self.edges)

  def lift(self, x, rows: int = 4096) -> np.ndarray:
    """`[k, lifted_dim]` float64: principal coordinates, then the norm in each block.

    `rows` samples at a time, so the residual is never a `[k, n]` float64 array (800 MB at
    k = 32768): that made the whole lift slower than the same arithmetic in pieces.
    """
    return pieces.in_pieces(self._lift_rows, np.asarray(x).reshape(len(x), -1), rows)

  def _lift_rows(self, x) -> np.ndarray:
    x = np.asarray(x, np.float64) - self.centre
    along = x @ self.directions
    p = self.edges[0]
    norms = [np.linalg.norm(along[:, a:b], axis=1)
             for a, b in zip(self.edges, self.edges[1:])]
    # The complement's norm from the residual itself, not from |x|^2 - |along|^2 (which
    # cancels).
    norms.append(np.linalg.norm(x - along @ self.directions.T, axis=1))
    return np.concatenate([along[:, :p], np.stack(norms, axis=1)], axis=1)

  def lift_tensor(self, x):
    """`lift` in TensorFlow, in the dtype of `x` `[k, *event_shape]` (training's objective)."""
    x = tf.reshape(x, [tf.shape(x)[0], -1]) - tf.constant(self.centre, x.dtype)
    directions = tf.constant(self.directions, x.dtype)
    along = tf.matmul(x, directions)
    p = self.edges[0]
    norms = [tf.norm(along[:, a:b], axis=1) for a, b in zip(self.edges, self.edges[1:])]
    norms.append(tf.norm(x - tf.matmul(along, directions, transpose_b=True), axis=1))
    return tf.concat([along[:, :p], tf.stack(norms, axis=1)], axis=1)


def _lift_rounding(lifted, n: int, beta) -> float:
  """Bound on how much the float64 rounding of a lift can move a lifted log value (nats).

  Each lifted coordinate is a dot product or a norm over at most n terms of the centred
  sample: its error is at most gamma_{2n} |x_i - centre|. Moving a sample by e changes every
  |L(x_i) - z|^2 by at most 2 e |L(x_i) - z| + e^2 <= e (4 R + e), R the largest lifted norm
  (the sup lies in the lifted samples' hull), so a log value by at most beta e (4 R + e).
  By Pythagoras |L(x_i)| = |x_i - centre|, so R also bounds the centred samples' norms, up
  to the lift's own relative rounding (below 1e-9 at any n here; the factor 2 covers it).
  """
  u = mixture.unit_roundoff(tf.float64)
  radius = np.max(np.linalg.norm(lifted, axis=1))
  error = 2 * n * u / (1 - 2 * n * u) * np.sqrt(lifted.shape[1]) * 2 * radius
  return float(beta * error * (4 * radius + error))


def find_mode(x, log_w, lmbda, projection: Projection,
              options: SearchOptions = SearchOptions(),
              spread: spread_lib.Spread = None) -> exhaustive.ModeSearchResult:
  """An upper bound on log sup_y sum_i exp(log_w_i - lambda rho(x_i, y)): the exhaustive search
  on the lifted samples, plus the lift's rounding.

  Args:
    x: `[k, *event_shape]` samples (n = prod(event_shape) coordinates).
    log_w: `[k]` log weights (nats). lmbda: lambda.
    projection: where to lift.
    options: the search's options.
    spread: where the climbs run (`exhaustive.find_mode`).
  Returns:
    A `ModeSearchResult` whose `log_c` bounds the exact search's from above and whose `y` is
    a point of the lifted space (`[lifted_dim]`, not an image).
  """
  return find_mode_lifted(projection.lift(x), log_w, lmbda, projection, options, spread)


def find_mode_lifted(lifted, log_w, lmbda, projection: Projection,
                     options: SearchOptions = SearchOptions(),
                     spread: spread_lib.Spread = None) -> exhaustive.ModeSearchResult:
  """`find_mode` of samples already lifted: `lifted` `[k, lifted_dim]` is `projection.lift`
  of the samples (other arguments as there)."""
  n = projection.centre.shape[0]
  result = exhaustive.find_mode(lifted, log_w, lmbda, options=options, dims=n, spread=spread)
  rounding = _lift_rounding(lifted, n, float(lmbda) / n)
  return dataclasses.replace(result, log_c=result.log_c + rounding)
