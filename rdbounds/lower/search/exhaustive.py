"""The evaluation search: log C_k = log sup_y f(y) by over-relaxed mean-shift from every sample.

`f(y) = sum_i exp(log_w_i - beta |x_i - y|^2)` (`mixture`) is an isotropic Gaussian mixture,
so its global maximum is a mode. Mean-shift (`mean_shift`) climbs monotonically from any start
to a stationary point; climbing from every sample ("exhaustive") to `tol` is the search this
package takes as the definition of C_k. (That the global mode's basin holds a sample is the
usual assumption for Gaussian mixtures, not a theorem.) Any value the search returns is
attained, so it can only fall short of the sup, and a shortfall overstates the lower bound:
what the search does to save time must not lose the sup.

All starts run at once as one compiled loop (`tf.while_loop` over iterations, chunks of at
most `chunk_size` starts to bound memory); a start leaves the loop when it stops, and the
loop ends when none is left or after `max_iterations`.

Each start, and what is proven or measured about it:
  * Steps are over-relaxed, `y + eta (m(y) - y)` with eta growing while the value rises, and
    fall back to the plain step (which never lowers the value) when it does not (Salakhutdinov
    & Roweis 2003): near-optimal u makes the landscape nearly flat, where plain mean-shift
    crawls. Accepted values increase monotonically (proven, `stopping.accepts`).
  * Converged: its estimated remaining gain is below `tol` nats (`stopping.converged`; the
    estimate is exact for a quadratic log f, asymptotic in general). It is recorded at its
    image.
  * Pruned: its value plus `prune_margin` times its estimated remaining gain is below a value
    already attained (`stopping.hopeless`). Not proven. Measured: at the preset k (4096,
    16384), n = 2, 16, 256 and random, near-optimal and random-network log u the sup equals
    that of the search without pruning to MEASURED (`exhaustive_test`). It buys 2-20x in
    flat landscapes (every start otherwise climbs the broad top to `tol`).
  * Unconverged: still moving after `max_iterations`. Its value underestimates its mode, so
    the result counts it (`unconverged`) and evaluation refuses the draw
    (`evaluator.UnconvergedSearchError`); its last accepted point is still a candidate.
Tricks of earlier versions that are gone, because they were unsafe and bought under 1.5x:
stopping a start in the grid cell of a found mode ("capture"; with n > 8 the cell was an
unbounded slab of a random 8-d projection), and merging starts in the same small cell.

The result:
  * Candidates: the `num_candidates` converged positions of highest float32 value are
    re-evaluated exactly. Proven: if every float32 value is within delta of the exact one,
    the truncation loses at most 2 delta + tol against re-evaluating every converged start
    (a start is ranked by its value before its last step, which gained less than tol).
    Measured: delta <= MEASURED at the tested lambdas (float32 error of the expanded
    distances grows with beta |x|^2).
  * `log_c` is the float64 value at the returned y (`mixture.exact_log_value`, direct
    differences): proven attained, to float64 rounding; it does not inherit the search's
    float32 error.
"""

import dataclasses
from typing import NamedTuple, Optional

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import mean_shift
from rdbounds.lower.search import mixture
from rdbounds.lower.search import starts as starts_lib
from rdbounds.lower.search import stopping
from rdbounds.lower.search.options import SearchOptions


@dataclasses.dataclass(frozen=True)
class ModeSearchResult:
  """Outcome of one search.

  Attributes:
    log_c: float64 scalar, log f at `y` (nats): the best value found, exactly evaluated.
    y: `[n]` float32, the maximizer found (flattened, in the input's coordinates).
    iterations: int32 scalar, mean-shift iterations run.
    unconverged: int32 scalar, starts still moving after `max_iterations`. When > 0,
      `log_c` may be below the sup: evaluation must not use it.
    num_starts: int32 scalar, starts searched.
  """
  log_c: tf.Tensor
  y: tf.Tensor
  iterations: tf.Tensor
  unconverged: tf.Tensor
  num_starts: tf.Tensor


class _Limits(NamedTuple):
  """`SearchOptions` as tensors, so new values do not retrace the compiled search."""
  tol: tf.Tensor
  prune_margin: tf.Tensor
  max_iterations: tf.Tensor
  chunk_size: tf.Tensor
  num_candidates: tf.Tensor

  @classmethod
  def of(cls, options: SearchOptions) -> "_Limits":
    return cls(tf.constant(options.tol, tf.float32), tf.constant(options.prune_margin, tf.float32),
               tf.constant(options.max_iterations), tf.constant(options.chunk_size),
               tf.constant(options.num_candidates))


class _Running(NamedTuple):
  """The starts still running, `[A, ...]` each, filtered together as starts stop.

  Attributes:
    pos: `[A, d]` where the next step is taken.
    safe: `[A, d]` the plain image of the last accepted point (the fallback after a rejection).
    at_safe: `[A]` pos is that plain image (so its step is accepted whatever its value).
    ref_value: `[A]` log value at the last accepted point (float32, nats).
    eta: `[A]` over-relaxation factor of the step that led to pos (1: a plain step).
    last_moved: `[A]` moved at the last accepted point (0 before the first).
  """
  pos: tf.Tensor
  safe: tf.Tensor
  at_safe: tf.Tensor
  ref_value: tf.Tensor
  eta: tf.Tensor
  last_moved: tf.Tensor

  @classmethod
  def at(cls, positions) -> "_Running":
    ones = tf.ones([tf.shape(positions)[0]], positions.dtype)
    return cls(positions, positions, tf.ones_like(ones, tf.bool), -np.inf * ones, ones,
               0.0 * ones)

  def advanced(self, step: mean_shift.Step, accepted) -> "_Running":
    """After `step`: an accepted point moves on by an over-relaxed step; a rejected one
    falls back to `safe`."""
    eta = stopping.next_eta(accepted, self.eta)
    column = accepted[:, None]
    return _Running(
        pos=tf.where(column, self.pos + eta[:, None] * (step.image - self.pos), self.safe),
        safe=tf.where(column, step.image, self.safe),
        at_safe=tf.logical_not(accepted),
        ref_value=tf.where(accepted, step.log_value, self.ref_value),
        eta=eta,
        last_moved=tf.where(accepted, step.moved, self.last_moved))

  def kept(self, mask) -> "_Running":
    return _Running(*(tf.boolean_mask(t, mask) for t in self))

  def shape_invariants(self) -> "_Running":
    return _Running(*(tf.TensorShape([None] * t.shape.rank) for t in self))


class _Candidates(NamedTuple):
  """The highest positions found so far, `[T, d]`, and their float32 values `[T]`."""
  pos: tf.Tensor
  value: tf.Tensor

  def with_(self, pos, value, limit) -> "_Candidates":
    """The `limit` highest of these and the new ones."""
    pos = tf.concat([self.pos, pos], 0)
    value = tf.concat([self.value, value], 0)
    top = tf.math.top_k(value, k=tf.minimum(limit, tf.shape(value)[0])).indices
    return _Candidates(tf.gather(pos, top), tf.gather(value, top))


def _best_attained(candidates: _Candidates, step: mean_shift.Step, accepted):
  """The highest value attained so far: a lower bound on the sup, used for pruning."""
  return tf.reduce_max(tf.concat(
      [candidates.value, tf.boolean_mask(step.log_value, accepted), [-np.inf]], 0))


@tf.function(reduce_retracing=True)
def _search(x, log_w, beta, start_index, limits: _Limits, gram: bool):
  """The batched search from `x[start_index]`; see the module docstring.

  Args:
    x: `[k, n]` centred float32 samples. log_w: `[k]`. beta: lambda / n.
    start_index: `[S]` int32. limits: the options. gram: positions in Gram coordinates.
  Returns:
    (candidate points `[T, n]` (centred), iterations, unconverged count).
  """
  form = mean_shift.Form.build(x, log_w, beta, gram)

  def body(i, running: _Running, candidates: _Candidates):
    step = mean_shift.chunked_step(form, running.pos, limits.chunk_size)
    accepted = stopping.accepts(running.at_safe, step.log_value, running.ref_value)
    remaining = stopping.remaining_gain(step.moved, running.last_moved, running.eta)
    converged = stopping.converged(accepted, remaining, step.moved, limits.tol)
    pruned = stopping.hopeless(accepted, step.log_value, remaining,
                               _best_attained(candidates, step, accepted), limits.prune_margin)
    # A converged start is recorded at its image, with the (no larger) value at its position.
    candidates = candidates.with_(tf.boolean_mask(step.image, converged),
                                  tf.boolean_mask(step.log_value, converged),
                                  limits.num_candidates)
    running = running.advanced(step, accepted).kept(
        tf.logical_not(tf.logical_or(converged, pruned)))
    return i + 1, running, candidates

  def cond(i, running, candidates):
    del candidates
    return tf.logical_and(i < limits.max_iterations, tf.shape(running.pos)[0] > 0)

  running = _Running.at(form.positions_at_samples(start_index))
  d = tf.shape(running.pos)[1]
  candidates = _Candidates(tf.zeros([0, d], x.dtype), tf.zeros([0], x.dtype))
  iterations, running, candidates = tf.while_loop(
      cond, body, [tf.constant(0), running, candidates],
      shape_invariants=[tf.TensorShape([]), running.shape_invariants(),
                        _Candidates(tf.TensorShape([None, None]), tf.TensorShape([None]))])
  # Unconverged starts are counted (the caller decides); their last accepted points are
  # attained values and stay candidates.
  candidates = candidates.with_(running.safe, running.ref_value, limits.num_candidates)
  return form.points(candidates.pos), iterations, tf.shape(running.pos)[0]


def find_mode(x, log_w, lmbda, starts: starts_lib.Starts = starts_lib.EXHAUSTIVE,
              options: SearchOptions = SearchOptions(),
              gram: Optional[bool] = None) -> ModeSearchResult:
  """log sup_y sum_i exp(log_w_i - lambda rho(x_i, y)), rho = MSE per dimension.

  Args:
    x: `[k, *event_shape]` samples (flattened to n = prod(event_shape) coordinates).
    log_w: `[k]` log weights, nats (for C_k: `-log u(x_i) - log k`).
    lmbda: lambda >= 0.
    starts: "exhaustive" (every sample: evaluation), t (the t samples where f is highest),
      or a sequence of sample indices.
    options: tolerance, pruning, iteration cap, memory (`SearchOptions`).
    gram: search in Gram coordinates; default: when n > k.
  Returns:
    `ModeSearchResult`. Differentiable use: hold `y` fixed and recompute the value with
    `mixture.log_value` inside a tape (envelope theorem).
  """
  x = tf.convert_to_tensor(x, tf.float32)
  k = int(x.shape[0])
  x = tf.reshape(x, [k, -1])
  n = int(x.shape[1])
  log_w = tf.cast(tf.convert_to_tensor(log_w), tf.float32)
  if log_w.shape.rank != 1 or (log_w.shape[0] is not None and log_w.shape[0] != k):
    raise ValueError(f"log_w must have shape [{k}] (one per sample), got {log_w.shape}")
  # f is translation invariant: centring shrinks |x|^2, hence the float32 error of the
  # expanded distances.
  centre = tf.reduce_mean(x, axis=0)
  xc = x - centre
  beta = tf.cast(lmbda, tf.float32) / n
  index = starts_lib.start_indices(xc, log_w, beta, starts, options.chunk_size)
  points, iterations, unconverged = _search(
      xc, log_w, beta, index, _Limits.of(options), bool(n > k if gram is None else gram))
  # Evaluated at the returned y, in the input's coordinates, so that value and y agree
  # exactly (adding the centre back rounds y).
  points = points + centre
  values = mixture.exact_log_value(x, log_w, tf.cast(lmbda, tf.float64), points)
  best = tf.argmax(values)
  return ModeSearchResult(log_c=values[best], y=points[best], iterations=iterations,
                          unconverged=unconverged, num_starts=tf.shape(index)[0])
