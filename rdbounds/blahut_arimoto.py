"""Blahut-Arimoto on a finite alphabet, with Blahut's bounds on the intercept.

At multiplier lambda, the intercept `F(lambda) = min_D R(D) + lambda D` (nats) satisfies, for
every output distribution q and `A_ij = exp(-lambda d_ij)`:

    U(q) = -sum_i p_i ln sum_j q_j A_ij            >= F(lambda)   (the induced channel achieves it)
    L(q) = U(q) - ln max_j c_j                       <= F(lambda)   (Csiszar's dual)
    with c_j = sum_i p_i A_ij / sum_k q_k A_ik.

The update `q <- q * c` never increases U; at convergence max_j c_j -> 1 and the bounds meet.
Each iteration is two matrix-vector products over the alphabet.

`L(q)` is exactly the Csiszar lower-bound objective with `u(x_i) = sum_j q_j A_ij`, which is
why BA's optimal u is a test oracle for the lower-bound estimator.
"""

import dataclasses
from typing import Optional

import numpy as np


@dataclasses.dataclass(frozen=True)
class BAResult:
  """Blahut-Arimoto at one lambda.

  Attributes:
    lmbda: the multiplier.
    distortion: E[d] under the converged test channel.
    rate_nats: I(X; Y) of that channel, in nats.
    intercept_upper, intercept_lower: Blahut's bounds U(q) >= F(lambda) >= L(q).
    q: `[m_out]` converged output distribution.
    log_u: `[m_in]` ln sum_j q_j A_ij: the optimal `log u` of the Csiszar dual.
    iterations: iterations run.
    converged: whether the bound gap fell below the tolerance.
    entropy_nats: H(p) of the source alphabet: the rate ceiling. I(X; Y) <= H(X), and
      F(lambda) <= R(0) = H(X), so no rate or intercept of this histogram exceeds it.
  """
  lmbda: float
  distortion: float
  rate_nats: float
  intercept_upper: float
  intercept_lower: float
  q: np.ndarray
  log_u: np.ndarray
  iterations: int
  converged: bool
  entropy_nats: float

  @property
  def intercept(self) -> float:
    """Midpoint of Blahut's bracket."""
    return 0.5 * (self.intercept_upper + self.intercept_lower)


def _checked_inputs(probs, distortion_matrix, lmbda: float):
  """`(p, d, keep)`: the normalized probabilities of the symbols with mass (`keep`, a mask of
  the input alphabet) and their distortion rows. Raises ValueError (one line) for bad input."""
  if lmbda <= 0:
    raise ValueError(f"lambda must be positive, got {lmbda}")
  p = np.asarray(probs, np.float64)
  d = np.asarray(distortion_matrix, np.float64)
  if d.ndim != 2 or d.shape[0] != p.shape[0]:
    raise ValueError(f"distortion matrix {d.shape} does not match {p.shape[0]} source symbols")
  if np.any(p < 0) or p.sum() <= 0:
    raise ValueError("probabilities must be non-negative and not all zero")
  keep = p > 0
  return p[keep] / p[keep].sum(), d[keep], keep


def blahut_arimoto(probs, distortion_matrix, lmbda: float, tol: float = 1e-3,
                   max_iterations: int = 5000, q_init: Optional[np.ndarray] = None,
                   relaxation: float = 1.5, prune_below: float = 1e-12) -> BAResult:
  """Runs BA until Blahut's bounds are within `tol` nats (or `max_iterations`).

  Two accelerations keep 2-d grids cheap: the over-relaxed update `q <- q * c^relaxation`
  (relaxation = 1 is plain BA), and dropping output symbols whose mass fell below
  `prune_below * max(q)` from the iteration. Neither affects validity: U(q) and L(q) bound
  F(lambda) for *any* q, and the final bounds are evaluated over the full output alphabet.

  Args:
    probs: `[m_in]` source probabilities (need not be normalized; zeros allowed).
    distortion_matrix: `[m_in, m_out]` distortions d(x_i, y_j) >= 0.
    lmbda: multiplier lambda > 0 (slope -lambda of the R-D curve).
    tol: stop when U - L = ln max_j c_j < tol (checked on the active symbols; the returned
      bounds use all of them).
    max_iterations: upper limit on iterations.
    q_init: optional starting output distribution (e.g. the result at a nearby lambda).
    relaxation: exponent of the multiplicative update, in [1, 2].
    prune_below: relative mass under which an output symbol leaves the iteration.
  """
  if not 1.0 <= relaxation <= 2.0:
    raise ValueError(f"relaxation must be in [1, 2], got {relaxation}")
  p, d, keep = _checked_inputs(probs, distortion_matrix, lmbda)
  # Shift each row by its minimum so exp never underflows to an all-zero row; the shift
  # cancels in c and is added back to ln u.
  d_min = d.min(axis=1)
  a_full = np.exp(-lmbda * (d - d_min[:, None]))
  q_full = np.full(d.shape[1], 1.0 / d.shape[1]) if q_init is None else np.asarray(q_init, np.float64)
  active = np.flatnonzero(q_full > 0)
  a, q = a_full[:, active], q_full[active] / q_full[active].sum()
  converged = False
  for iteration in range(1, max_iterations + 1):
    v = a @ q                        # sum_j q_j A_ij (row-shifted), [m_in]
    c = a.T @ (p / v)                # [m_active]
    if np.log(c.max()) < tol:
      # Converged on the active symbols; a pruned symbol with c_j > e^tol would still
      # loosen L, so bring such symbols back and go on.
      c_full = a_full.T @ (p / v)
      revive = np.setdiff1d(np.flatnonzero(np.log(c_full) >= tol), active)
      if revive.size == 0:
        converged = True
        break
      active = np.concatenate([active, revive])
      q = np.concatenate([q, np.full(revive.size, 1e-3 * q.max())])
      a, q = a_full[:, active], q / q.sum()
      continue
    q = q * c**relaxation
    q /= q.sum()
    if iteration % 50 == 0:
      alive = q > prune_below * q.max()
      if not alive.all():
        active, a, q = active[alive], a[:, alive], q[alive] / q[alive].sum()
  q_full = np.zeros(d.shape[1])
  q_full[active] = q
  v = a_full @ q_full
  c = a_full.T @ (p / v)
  log_u_shifted = np.log(v)
  upper = float(-(p * (log_u_shifted - lmbda * d_min)).sum())
  lower = upper - float(np.log(c.max()))
  # The channel induced by q: Q(j|i) = q_j A_ij / v_i; its output marginal is q * c.
  channel = a_full * q_full[None, :] / v[:, None]
  distortion = float((p[:, None] * channel * d).sum())
  q_out = q_full * c
  with np.errstate(divide="ignore", invalid="ignore"):
    log_ratio = np.where(channel > 0, np.log(channel / q_out[None, :]), 0.0)
  rate = float((p[:, None] * channel * log_ratio).sum())
  log_u = np.full(keep.shape, np.nan)
  log_u[keep] = log_u_shifted - lmbda * d_min
  entropy = float(-(p * np.log(p)).sum())
  return BAResult(lmbda, distortion, rate, upper, lower, q_full, log_u, iteration, converged,
                  entropy)


def histogram(samples, bins: int = 64, value_range=None, clip_quantile: float = 0.0):
  """Discretizes 1-D or 2-D samples into a histogram; the alphabet is the bin centres.

  Args:
    samples: `[N]` or `[N, 1]` or `[N, 2]` array.
    bins: bins per axis.
    value_range: optional `[(lo, hi)] * dim`; default: the samples' range.
    clip_quantile: when > 0 (and no `value_range`), the grid covers the quantiles
      `[q, 1 - q]` of each axis and samples beyond are clipped into the edge bins. A few far
      outliers would otherwise stretch the grid and coarsen every bin.

  Returns:
    `(centres, probs)`: `[m, dim]` centres of the non-empty bins and their `[m]` probabilities.
  """
  x = np.asarray(samples, np.float64)
  if x.ndim == 1:
    x = x[:, None]
  if x.ndim != 2 or x.shape[1] not in (1, 2):
    raise ValueError(f"histogram needs 1-D or 2-D samples, got shape {x.shape}")
  if value_range is None and clip_quantile > 0:
    lo, hi = np.quantile(x, [clip_quantile, 1 - clip_quantile], axis=0)
    x = np.clip(x, lo, hi)
  counts, edges = np.histogramdd(x, bins=bins, range=value_range)
  centres = [0.5 * (e[1:] + e[:-1]) for e in edges]
  grid = np.stack(np.meshgrid(*centres, indexing="ij"), axis=-1).reshape(-1, x.shape[1])
  counts = counts.reshape(-1)
  keep = counts > 0
  return grid[keep], counts[keep] / counts.sum()


def quadratic_distortion(points_in, points_out, metric):
  """`[m_in, m_out]` matrix of (x - y)^T metric (x - y)."""
  diff = np.asarray(points_in)[:, None, :] - np.asarray(points_out)[None, :, :]
  return np.einsum("ijk,kl,ijl->ij", diff, np.asarray(metric, np.float64), diff)


def sweep_samples(samples, lambdas, metric=None, bins: int = 64, clip_quantile: float = 1e-4,
                  **ba_options):
  """BA on the histogram of 1-D/2-D samples at several lambdas (warm-started in order).

  Source and reproduction alphabets are the non-empty bin centres. With bin width delta,
  discretization moves the distortion by about delta^2 / 12 per dimension: choose `bins` so
  that this is small against the distortions of interest. The grid spans the central
  `1 - 2 clip_quantile` of each axis (see `histogram`); on the banana at lambda = 10 this
  moved the intercept from 3.755 to 3.732 nats at 60 bins (3.713 at 140 bins).

  Args:
    samples: `[N, dim]` with dim in {1, 2} (or `[N]`).
    lambdas: multipliers.
    metric: `[dim, dim]` quadratic form of the distortion; default I / dim (MSE per dim).
    bins: bins per axis.
    clip_quantile: tail mass per side clipped into the edge bins.
    **ba_options: passed to `blahut_arimoto`.
  Returns:
    list of `BAResult` in the order of `lambdas`.
  """
  centres, probs = histogram(samples, bins, clip_quantile=clip_quantile)
  dim = centres.shape[1]
  metric = np.eye(dim) / dim if metric is None else np.asarray(metric, np.float64)
  d = quadratic_distortion(centres, centres, metric)
  results, q = {}, None
  for lmbda in sorted(set(lambdas)):
    result = blahut_arimoto(probs, d, lmbda, q_init=q, **ba_options)
    # Warm start the next lambda, but keep every symbol alive (BA cannot revive a zero).
    q = 0.5 * result.q + 0.5 / result.q.size
    results[lmbda] = result
  return [results[l] for l in lambdas]
