"""Evaluating a trained `log u`: the intercept of a lower-bound line with a confidence interval.

Draws. For each of `len(seeds)` groups, 2M independent draws of k held-out samples (see
`Source.test_batches`: fresh i.i.d. samples for synthetic sources, pairwise disjoint rows or
crops for finite data). Per draw, with `A = -(1/k) sum_i log u(x_i)` and C_k from exhaustive
mode search (evaluated exactly; a search with starts still moving at its iteration cap
raises `UnconvergedSearchError`, since its C_k could be too low):
  * the first M draws set the expansion point `alpha = mean(C_k)`;
  * the last M give `xi_j = A_j - log alpha - C_j / alpha + 1`.
intercept = mean of the pooled xi.

What is proven. For every u and every alpha fixed before the draws it is used on,
`E[xi | alpha] <= F(lambda) = min_D R(D) + lambda D` (docs/method.md). alpha comes from draws
independent of the last M, so each xi_j is an unbiased draw of a quantity whose mean is below
F: the line `R >= E[xi | alpha] - lambda D` is valid. Every xi is also <= ln k.

What is only measured. The confidence interval. xi has a heavy left tail (a rare draw with a
large C_k): samples that miss the tail have a higher mean and a smaller spread, so the
Student-t interval's low end is too high. `confidence_interval` reports the union of the
Student-t and bootstrap-t intervals. `benchmarks/lb_coverage.py` measures how often the low
end covers E[xi | alpha] on sources with a known F and a fixed u (N(0, I_n) and a Gaussian
mixture, u = u* + e^-7; nominal one-sided level 97.5%): at k = 1024, M = 30, 96.7 to 97.3%
(Student-t: 95.7 to 97.0%); at M = 10, 95.8 to 96.9% (Student-t: 92.4 to 95.0%). The table,
with k = 4096, is in docs/method.md. The low end is what a user may quote as a lower
confidence limit of F(lambda).
"""

import dataclasses
import math
from typing import Callable, NamedTuple, Optional, Sequence

import numpy as np
import scipy.stats
import tensorflow as tf

from rdbounds import curves
from rdbounds.lower import search
from rdbounds.lower.config import FIT_TO_DATA
from rdbounds.lower import objective
from rdbounds.lower.search import starts as starts_lib
from rdbounds.lower.search.options import SearchOptions
from rdbounds.sources import base
from rdbounds import streams


# Resamples of the bootstrap-t interval: the Monte Carlo error of its 2.5% and 97.5%
# quantiles is then about 0.04 standard errors of the mean.
BOOTSTRAP_RESAMPLES = 4000



class NotEnoughData(ValueError):
  """The held-out data cannot supply the disjoint draws an evaluation needs."""


@dataclasses.dataclass(frozen=True)
class Evaluation:
  """A lower-bound line at one lambda.

  Attributes:
    lmbda: the multiplier.
    intercept, ci_low, ci_high: mean of xi and its 95% confidence interval (nats); see
      `confidence_interval` for which level each end has.
    xi: `[num_seeds * M]` per-draw estimates (nats).
    log_c_k: `[num_seeds, 2M]` log C_k of every draw (nats).
    log_alpha: `[num_seeds]` expansion points (nats).
    ceiling: ln k (nats).
    k: samples per draw.
    m: draws per half (M), after any fitting to finite data.
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
                    starts: starts_lib.Starts = starts_lib.EXHAUSTIVE,
                    search_options: Optional[SearchOptions] = None) -> DrawStatistics:
  """A and log C_k of one draw `x` `[k, *event_shape]` (C_k by `search.find_mode`).

  Raises:
    UnconvergedSearchError: the search had starts still moving at `max_iterations`.
  """
  if not isinstance(search_options, SearchOptions):
    search_options = SearchOptions(**(search_options or {}))
  k = int(x.shape[0])
  log_w = -log_u(x) - math.log(k)
  result = search.find_mode(x, log_w, lmbda, starts, search_options)
  if int(result.unconverged):
    raise UnconvergedSearchError(int(result.unconverged), int(result.num_starts),
                                 search_options.max_iterations, lmbda)
  # A = -(1/k) sum_i log u(x_i) = mean(log_w) + ln k.
  mean_neg_log_u = float(tf.reduce_mean(tf.cast(log_w, tf.float64))) + math.log(k)
  return DrawStatistics(mean_neg_log_u, float(result.log_c))


def xi_from_draws(mean_neg_log_u, log_c_k, m: int):
  """`(log_alpha, xi [M])` from 2M draws: the first M set alpha, the last M give xi (nats)."""
  mean_neg_log_u = np.asarray(mean_neg_log_u, np.float64)
  log_c_k = np.asarray(log_c_k, np.float64)
  if mean_neg_log_u.shape != (2 * m,) or log_c_k.shape != (2 * m,):
    raise ValueError(f"need 2M = {2 * m} draws, got {mean_neg_log_u.shape} and {log_c_k.shape}")
  log_alpha = float(objective.log_mean_exp(tf.constant(log_c_k[:m])))
  return log_alpha, np.asarray(objective.xi(mean_neg_log_u[m:], log_c_k[m:], log_alpha))


def student_t_interval(xi, level: float = 0.95):
  """(mean, low, high): the two-sided Student-t interval for the mean of `xi`.

  Exact for Gaussian xi only. Under xi's left skew its low end is too high: on the sources
  of `benchmarks/lb_coverage.py` it covers E[xi | alpha] less often than its nominal level.
  """
  xi = np.asarray(xi, np.float64)
  mean = float(xi.mean())
  if xi.size < 2:
    return mean, -math.inf, math.inf
  half = scipy.stats.t.ppf(0.5 + level / 2, xi.size - 1) * xi.std(ddof=1) / math.sqrt(xi.size)
  return mean, mean - half, mean + half


def bootstrap_t_interval(xi, level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
                         seed: int = 0):
  """(mean, low, high): the equal-tailed bootstrap-t interval for the mean of `xi`.

  The studentized mean T = (mean - mu) / se is not Student-t distributed when xi is skewed;
  its law is estimated by resampling xi with replacement, T*_b = (mean*_b - mean) / se*_b,
  and the interval is [mean - q_hi(T*) se, mean - q_lo(T*) se] (Efron & Tibshirani 1993,
  ch. 12; second-order accurate, so it corrects for skewness, which Student-t does not).
  Deterministic: the resampling is seeded.
  """
  xi = np.asarray(xi, np.float64).reshape(-1)
  n, mean = xi.size, float(xi.mean())
  if n < 2:
    return mean, -math.inf, math.inf
  se = xi.std(ddof=1) / math.sqrt(n)
  if se == 0:
    return mean, mean, mean
  resampled = xi[np.random.default_rng(seed).integers(0, n, (resamples, n))]
  se_star = resampled.std(axis=1, ddof=1) / math.sqrt(n)
  keep = se_star > 0  # a resample of one repeated value has no studentized mean
  t_star = (resampled.mean(axis=1)[keep] - mean) / se_star[keep]
  t_low, t_high = np.quantile(t_star, [0.5 - level / 2, 0.5 + level / 2])
  return mean, mean - t_high * se, mean - t_low * se


def confidence_interval(xi, level: float = 0.95):
  """(mean, low, high): the union of the Student-t and bootstrap-t intervals for the mean.

  Each end has nominal one-sided level `(1 + level) / 2` (97.5% for a 95% interval). The
  bootstrap-t interval restores most of the coverage Student-t loses to xi's left skew; the
  union never gives a higher low end than the classical interval. Coverage is measured, not
  proven (see the module docstring).
  """
  mean, t_low, t_high = student_t_interval(xi, level)
  _, b_low, b_high = bootstrap_t_interval(xi, level)
  return mean, min(t_low, b_low), max(t_high, b_high)


def required_samples(k: int, m: int, groups: int) -> int:
  """Held-out samples an evaluation of `groups` x 2M disjoint draws of k needs."""
  return k * 2 * m * groups


def fit_to_data(source: base.Source, k: int, m: int, groups: int, fit: str = "refuse"):
  """`(k, m)` an evaluation can use on `source`'s held-out data, or `NotEnoughData`.

  Synthetic sources are unlimited. Finite data must supply `groups x 2M` pairwise disjoint
  draws of k samples; if it cannot, `fit` decides: "refuse" (raise), "m" (lower M to what
  the data allow, at least 2) or "k" (lower k to what the data allow, at least 2).
  """
  if fit not in FIT_TO_DATA:
    raise ValueError(f"fit_to_data must be one of {', '.join(FIT_TO_DATA)}, got {fit!r}")
  available = source.held_out_samples
  needed = required_samples(k, m, groups)
  if available is None or needed <= available:
    return k, m
  if fit == "m" and available // (2 * groups * k) >= 2:
    return k, available // (2 * groups * k)
  if fit == "k" and available // (2 * groups * m) >= 2:
    return available // (2 * groups * m), m
  raise NotEnoughData(
      f"{source.name}: the lower bound's disjoint held-out draws need k x 2M x seeds = "
      f"{k} x {2 * m} x {groups} = {needed:,} held-out samples, the data have {available:,}; "
      f"lower k or M, hold out more samples, or let --lb_fit_to_data=m (or k) lower them")


def evaluate(log_u: Callable, source: base.Source, lmbda: float, k: int, m: int,
             seeds: Sequence[int] = (0,), starts: starts_lib.Starts = starts_lib.EXHAUSTIVE,
             search_options: Optional[SearchOptions] = None, fit: str = "refuse",
             log: Callable[[str], None] = lambda line: None) -> Evaluation:
  """2M draws per seed on held-out samples; see the module docstring.

  Args:
    log_u: callable `[k, *event_shape] -> [k]` log u (nats).
    source: draws come from `source.test_batches` (disjoint for finite data).
    lmbda: multiplier lambda.
    k: samples per draw. m: draws per half (M).
    seeds: one group of 2M draws, with its own alpha, per seed (xi pooled over groups); the
      draws come from one stream seeded by `seeds[0]`.
    starts: mode search ("exhaustive" by default; a quick search may underestimate C_k and
      so overstate the bound).
    search_options: the search's `SearchOptions` (a dict of its fields is also accepted).
    fit: what to do when finite held-out data are too few for the draws: "refuse" (raise
      `NotEnoughData`, the default), "m" or "k" (lower M or k to fit; see `fit_to_data`).
    log: receives progress lines.

  Raises:
    NotEnoughData: finite held-out data too few for the draws (with `fit="refuse"`).
    UnconvergedSearchError: a draw's search had starts still moving at `max_iterations`.
  """
  groups = len(seeds)
  fitted_k, fitted_m = fit_to_data(source, k, m, groups, fit)
  if (fitted_k, fitted_m) != (k, m):
    log(f"lower_bound: {source.held_out_samples:,} held-out samples allow k={fitted_k}, "
        f"M={fitted_m} (asked k={k}, M={m})")
  k, m = fitted_k, fitted_m
  batches = source.test_batches(k, 2 * m * groups, seed=(seeds[0], streams.LB_EVALUATION))
  log_u_fn = tf.function(log_u, reduce_retracing=True)
  all_log_c, all_log_alpha, all_xi = [], [], []
  for group, seed in enumerate(seeds):
    draws = [draw_statistics(log_u_fn, batches[2 * m * group + j], lmbda, starts,
                             search_options) for j in range(2 * m)]
    mean_neg_log_u, log_c = (np.array(v) for v in zip(*draws))
    log_alpha, xi = xi_from_draws(mean_neg_log_u, log_c, m)
    all_log_c.append(log_c)
    all_log_alpha.append(log_alpha)
    all_xi.append(xi)
    log(f"lower_bound: lambda={lmbda:g} seed={seed}: mean xi {np.mean(xi):.4f} nats "
        f"over {m} draws, log alpha {log_alpha:.4f}")
  xi = np.concatenate(all_xi)
  mean, low, high = confidence_interval(xi)
  return Evaluation(lmbda, mean, low, high, xi, np.stack(all_log_c), np.array(all_log_alpha),
                    objective.ceiling_nats(k), k, m)
