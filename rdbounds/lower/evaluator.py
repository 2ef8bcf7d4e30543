"""Evaluating a trained `log u`: the intercept of a lower-bound line with a confidence interval.

Per evaluation seed, 2M independent draws of k fresh samples (split "test"): the first M
set the expansion point `alpha = mean(C_k)` (so alpha is independent of the draws it is used
on), the last M give `xi_j = A_j - log alpha - C_j / alpha + 1`. The xi of all seeds are
pooled: intercept = their mean, with a Student-t 95% confidence interval from their spread.
E[xi] <= F(lambda) for any alpha fixed before the draws, so the CI's low end is a valid
lower confidence limit. C_k comes from exhaustive mode search, evaluated exactly; a draw
whose search did not converge raises `UnconvergedSearchError` (its C_k could be too low).
"""

import dataclasses
import math
from typing import Callable, Optional, Sequence

import numpy as np
import scipy.stats
import tensorflow as tf

from rdbounds.lower import mode_search
from rdbounds.lower import objective
from rdbounds.lower import starts as starts_lib
from rdbounds.lower.search_options import SearchOptions
from rdbounds.sources import base

# Seed stream of evaluation draws, apart from the training stream (which uses (seed, step)).
_EVAL_STREAM = 7_919


@dataclasses.dataclass(frozen=True)
class Evaluation:
  """A lower-bound line at one lambda.

  Attributes:
    lmbda: the multiplier.
    intercept, ci_low, ci_high: mean of xi and its 95% CI (nats).
    xi: `[num_seeds * M]` per-draw estimates (nats).
    log_c_k: `[num_seeds, 2M]` log C_k of every draw (nats).
    log_alpha: `[num_seeds]` expansion points (nats).
    ceiling: ln k (nats).
    k: samples per draw.
    unconverged: always 0 (an unconverged search raises `UnconvergedSearchError`).
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
  unconverged: int

  @property
  def saturated(self) -> bool:
    """Within 5% of the ln k ceiling: the line may be limited by k, not by u."""
    return self.intercept >= 0.95 * self.ceiling


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


def confidence_interval(xi, level: float = 0.95):
  """(mean, low, high) of a Student-t interval for the mean of `xi`."""
  xi = np.asarray(xi, np.float64)
  mean = float(xi.mean())
  if xi.size < 2:
    return mean, -math.inf, math.inf
  half = scipy.stats.t.ppf(0.5 + level / 2, xi.size - 1) * xi.std(ddof=1) / math.sqrt(xi.size)
  return mean, mean - half, mean + half


def evaluate(log_u: Callable, source: base.Source, lmbda: float, k: int, m: int,
             seeds: Sequence[int] = (0,), starts: starts_lib.Starts = starts_lib.EXHAUSTIVE,
             search_options: Optional[SearchOptions] = None,
             log: Callable[[str], None] = lambda line: None) -> Evaluation:
  """2M draws per seed on fresh samples; see the module docstring.

  Args:
    log_u: callable `[k, *event_shape] -> [k]` log u (nats).
    source: samples are drawn from its "test" split.
    lmbda: multiplier lambda.
    k: samples per draw. m: draws per half (M).
    seeds: evaluation seeds (pooled).
    starts: mode search ("exhaustive" by default; a quick search may underestimate C_k and
      so overstate the bound).
    search_options: the search's `SearchOptions` (a dict of its fields is also accepted).

  Raises:
    UnconvergedSearchError: a draw's search had starts still moving at `max_iterations`.
  """
  if not isinstance(search_options, SearchOptions):
    search_options = SearchOptions(**(search_options or {}))
  log_u_fn = tf.function(log_u, reduce_retracing=True)
  all_log_c, all_log_alpha, all_xi = [], [], []
  for seed in seeds:
    log_c, mean_neg_log_u = [], []
    for j in range(2 * m):
      x = source.sample(k, seed=(seed, _EVAL_STREAM + j), split="test")
      log_w = -log_u_fn(x) - math.log(k)
      search = mode_search.find_mode(x, log_w, lmbda, starts, search_options)
      if int(search.unconverged):
        raise UnconvergedSearchError(int(search.unconverged), int(search.num_starts),
                                     search_options.max_iterations, lmbda)
      log_c.append(float(search.log_c))
      # A = -(1/k) sum_i log u(x_i) = mean(log_w) + ln k.
      mean_neg_log_u.append(float(tf.reduce_mean(tf.cast(log_w, tf.float64))) + math.log(k))
    log_c = np.array(log_c)
    log_alpha = float(objective.log_mean_exp(tf.constant(log_c[:m])))
    xi = objective.xi(np.array(mean_neg_log_u[m:]), log_c[m:], log_alpha)
    all_log_c.append(log_c)
    all_log_alpha.append(log_alpha)
    all_xi.append(np.asarray(xi))
    log(f"lower_bound: lambda={lmbda:g} seed={seed}: mean xi {np.mean(xi):.4f} nats "
        f"over {m} draws, log alpha {log_alpha:.4f}")
  xi = np.concatenate(all_xi)
  mean, low, high = confidence_interval(xi)
  return Evaluation(lmbda, mean, low, high, xi, np.stack(all_log_c), np.array(all_log_alpha),
                    objective.ceiling_nats(k), k, unconverged=0)
