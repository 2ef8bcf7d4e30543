"""Evaluating a trained `log u`: the intercept of a lower-bound line with a confidence interval.

Draws. For each of `len(seeds)` groups, M independent draws of k held-out samples (see
`Source.test_batches`: fresh i.i.d. samples for synthetic sources, pairwise disjoint rows or
crops for finite data). Per draw, with `A = -(1/k) sum_i log u(x_i)` and C_k from exhaustive
mode search (evaluated exactly; a search with starts still moving at its iteration cap
raises `UnconvergedSearchError`, since its C_k could be too low), each draw j of a group
gives `xi_j = A_j - log alpha_j - C_j / alpha_j + 1` at the expansion point
`alpha_j = mean of C_k over the group's other M - 1 draws` (leave one out).
intercept = mean of the group means (with equal M, the mean of all xi).

What is proven. For every u and every alpha fixed before the draw it is used on,
`E[xi | alpha] <= F(lambda) = min_D R(D) + lambda D` (docs/method.md). alpha_j comes from
draws independent of draw j, so `E[xi_j | alpha_j] <= F` for every j, and the mean of all xi
has expectation below F: the line `R >= E[mean xi] - lambda D` is valid. Every xi is also
<= ln k.

What is only measured. The xi of one group share draws through their alphas, so they are
not independent; the dependence is of second order (a change of C_i moves xi_j, j != i,
through alpha_j by `(C_j / alpha_j - 1) dalpha_j / alpha_j`, a product of two deviations
that average zero). The confidence interval (`interval`, stratified by group) treats them as
independent; its coverage of the mean of E[xi_j | alpha_j], on sources with a known F and a
fixed u, is measured by `benchmarks/lb_coverage.py` (docs/method.md). The low end is what a
user may quote as a lower confidence limit of F(lambda).

Why leave one out. An earlier evaluator spent M draws on alpha alone and took xi from M
more: every draw now gives an xi, so the same interval costs half the draws (a GAN image
draw at k = 32768 takes 20-100 s).
"""

import dataclasses
import math
import time
from typing import Callable, NamedTuple, Optional, Sequence

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import pieces
from rdbounds.lower import search
from rdbounds.lower import finite_data
from rdbounds.lower import interval
from rdbounds.lower import objective
from rdbounds.lower.search import projection as projection_lib
from rdbounds.lower.search import spread as spread_lib
from rdbounds.lower.search.options import SearchOptions
from rdbounds.sources import base
from rdbounds import streams



# An evaluation running longer than this logs each draw.
_QUIET_SECONDS = 30.0


@dataclasses.dataclass(frozen=True)
class Evaluation:
  """A lower-bound line at one lambda.

  Attributes:
    lmbda: the multiplier.
    intercept, ci_low, ci_high: mean of xi and its 95% confidence interval (nats); see
      `confidence_interval` for which level each end has.
    xi: `[num_seeds * M]` per-draw estimates (nats).
    log_c_k: `[num_seeds, M]` log C_k of every draw (nats).
    log_alpha: `[num_seeds, M]` each draw's expansion point (nats).
    ceiling: ln k (nats).
    k: samples per draw.
    m: draws per seed (M), after any fitting to finite data.
  """
  lmbda: float
  intercept: float
  ci_low: float
  ci_high: float
  xi: np.ndarray
  log_c_k: np.ndarray
  log_alpha: np.ndarray
  ceiling: float
  k: int
  m: int

  @property
  def saturated(self) -> bool:
    """Within `1 - curves.SATURATION` of the ln k ceiling: the line may be limited by k, not u."""
    return self.intercept >= curves.SATURATION * self.ceiling


class UnconvergedSearchError(RuntimeError):
  """Mode-search starts still moving at the iteration cap: C_k could be underestimated,
  which would make the lower bound invalid (too high)."""

  def __init__(self, unconverged: int, num_starts: int, max_iterations: int, lmbda: float):
    self.unconverged, self.num_starts = unconverged, num_starts
    self.max_iterations, self.lmbda = max_iterations, lmbda
    super().__init__(
        f"lower bound: {unconverged} of {num_starts} mode-search starts had not converged "
        f"after --lb_max_iterations={max_iterations} at lambda={lmbda:g}; raise "
        f"--lb_max_iterations (the bound would be invalid)")


class DrawStatistics(NamedTuple):
  """What one draw of k samples gives (nats): A = -(1/k) sum_i log u(x_i) and log C_k."""
  mean_neg_log_u: float
  log_c_k: float


def draw_statistics(log_u: Callable, x, lmbda: float,
                    search_options: Optional[SearchOptions] = None,
                    projection: Optional[projection_lib.Projection] = None,
                    spread: spread_lib.Spread = None) -> DrawStatistics:
  """A and log C_k of one draw `x` `[k, *event_shape]`: C_k by the exhaustive search, on the
  samples themselves or, with `projection`, its upper bound from the lifted samples; its
  climbs where `spread` says (default: this process).

  Raises:
    UnconvergedSearchError: the search had starts still moving at `max_iterations`.
  """
  if not isinstance(search_options, SearchOptions):
    search_options = SearchOptions(**(search_options or {}))
  log_w = log_weights(log_u, x)
  result = prepared_search(x, log_w, lmbda, search_options, projection, spread)()
  if int(result.unconverged):
    raise UnconvergedSearchError(int(result.unconverged), int(result.num_starts),
                                 search_options.max_iterations, lmbda)
  # A = -(1/k) sum_i log u(x_i) = mean(log_w) + ln k.
  k = int(log_w.shape[0])
  mean_neg_log_u = float(tf.reduce_mean(tf.cast(log_w, tf.float64))) + math.log(k)
  return DrawStatistics(mean_neg_log_u, float(result.log_c))


def log_weights(log_u: Callable, x):
  """`[k]` C_k's mixture log weights log w_i = -log u(x_i) - ln k (nats) of a draw `x`
  `[k, *event_shape]`."""
  # log u on 2048 samples at a time: a draw of 32768 images at once would hold the network's
  # activations for all of them.
  return -pieces.in_pieces(log_u, x, rows=2048) - math.log(int(x.shape[0]))


def prepared_search(x, log_w, lmbda: float, search_options: SearchOptions,
                    projection: Optional[projection_lib.Projection] = None,
                    spread: spread_lib.Spread = None):
  """C_k's exhaustive search of a draw `x` with log weights `log_w`, as a call of no arguments
  returning its `ModeSearchResult`: on the samples, or with `projection` on their lift, done
  here (so that `machine_speed` can time the search alone)."""
  if projection is None:
    return lambda: search.find_mode(x, log_w, lmbda, search.EXHAUSTIVE, search_options,
                                    spread=spread)
  lifted = projection.lift(x)
  return lambda: projection_lib.find_mode_lifted(lifted, log_w, lmbda, projection,
                                                 search_options, spread)


def xi_leave_one_out(mean_neg_log_u, log_c_k):
  """`(log_alpha [M], xi [M])` from M >= 2 draws of one group (nats): draw j's alpha is the
  mean C_k of the other M - 1 draws.

  Args:
    mean_neg_log_u: `[M]` A of each draw. log_c_k: `[M]` log C_k of each draw.
  """
  mean_neg_log_u = np.asarray(mean_neg_log_u, np.float64)
  log_c_k = np.asarray(log_c_k, np.float64)
  m = log_c_k.shape[0] if log_c_k.ndim == 1 else 0
  if m < 2 or mean_neg_log_u.shape != (m,):
    raise ValueError(f"need M >= 2 draws with one A and one log C_k each, got "
                     f"{mean_neg_log_u.shape} and {log_c_k.shape}")
  # Row j holds every log C_k but draw j's (-inf in its place): a log-sum-exp over the rest,
  # not the group's sum less C_j, which cancels when one C_k dominates it (the heavy tail).
  others = np.where(np.eye(m, dtype=bool), -np.inf, log_c_k[None, :])
  log_alpha = tf.reduce_logsumexp(others, axis=1).numpy() - math.log(m - 1)
  return log_alpha, np.asarray(objective.xi(mean_neg_log_u, log_c_k, log_alpha))


def evaluate(log_u: Callable, source: base.Source, lmbda: float, k: int, m: int,
             seeds: Sequence[int] = (0,), search_options: Optional[SearchOptions] = None,
             projection: Optional[projection_lib.Projection] = None, fit: str = "refuse",
             log: Callable[[str], None] = lambda line: None,
             spread: spread_lib.Spread = None) -> Evaluation:
  """M draws per seed on held-out samples; see the module docstring.

  Args:
    log_u: callable `[k, *event_shape] -> [k]` log u (nats).
    source: draws come from `source.test_batches` (disjoint for finite data).
    lmbda: multiplier lambda.
    k: samples per draw. m: draws per seed (M >= 2).
    seeds: one group of M draws, whose alphas come from the group alone, per seed (the
      interval is stratified by group); the draws come from one stream seeded by `seeds[0]`.
    search_options: the search's `SearchOptions` (a dict of its fields is also accepted).
    projection: C_k's upper bound from lifted samples (`search.projection`), or None.
    fit: what to do when finite held-out data are too few for the draws: "refuse" (raise
      `NotEnoughData`, the default), "m" or "k" (lower M or k to fit;
      `finite_data.fit_to_data`).
    log: receives progress lines.
    spread: where each draw's search climbs (`search.spread`; default: this process).

  Raises:
    finite_data.NotEnoughData: finite held-out data too few for the draws (with `fit="refuse"`).
    UnconvergedSearchError: a draw's search had starts still moving at `max_iterations`.
  """
  if m < 2:
    raise ValueError(f"the evaluation needs M >= 2 draws per seed (each draw's alpha comes "
                     f"from the others), got {m}")
  groups = len(seeds)
  fitted_k, fitted_m = finite_data.fit_to_data(source, k, m, groups, fit)
  if (fitted_k, fitted_m) != (k, m):
    log(f"lower_bound: {source.held_out_samples:,} held-out samples allow k={fitted_k}, "
        f"M={fitted_m} (asked k={k}, M={m})")
  k, m = fitted_k, fitted_m
  batches = source.test_batches(k, m * groups, seed=(seeds[0], streams.LB_EVALUATION))
  log_u_fn = tf.function(log_u, reduce_retracing=True)
  all_log_c, all_log_alpha, all_xi = [], [], []
  started = time.time()
  for group, seed in enumerate(seeds):
    draws = []
    for j in range(m):
      draws.append(draw_statistics(log_u_fn, batches[m * group + j], lmbda,
                                   search_options, projection, spread))
      if time.time() - started > _QUIET_SECONDS:  # long evaluations say where they are
        log(f"lower_bound: lambda={lmbda:g} draw {m * group + j + 1}/{m * groups}: "
            f"log C_k {draws[-1].log_c_k:.4f}, {time.time() - started:.0f} s")
    mean_neg_log_u, log_c = (np.array(v) for v in zip(*draws))
    log_alpha, xi = xi_leave_one_out(mean_neg_log_u, log_c)
    all_log_c.append(log_c)
    all_log_alpha.append(log_alpha)
    all_xi.append(xi)
    log(f"lower_bound: lambda={lmbda:g} seed={seed}: mean xi {np.mean(xi):.4f} nats "
        f"over {m} draws, log alpha {np.min(log_alpha):.4f} to {np.max(log_alpha):.4f}")
  mean, low, high = interval.confidence_interval(np.stack(all_xi))
  # Every xi is at most ln k (proven), so is their mean: no interval needs to reach above.
  high = min(high, objective.ceiling_nats(k))
  return Evaluation(lmbda, mean, low, high, np.concatenate(all_xi), np.stack(all_log_c),
                    np.stack(all_log_alpha),
                    objective.ceiling_nats(k), k, m)
