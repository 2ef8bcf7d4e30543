"""The evaluation search: log C_k = log sup_y f(y) by over-relaxed mean-shift from every sample.

`f(y) = sum_i exp(log_w_i - beta |x_i - y|^2)` (`mixture`) is an isotropic Gaussian mixture,
so its global maximum is a mode. Mean-shift (`mean_shift`) climbs monotonically from any start
to a stationary point; climbing from every sample ("exhaustive") to `tol` is the search this
package takes as the definition of C_k. (That the global mode's basin holds a sample is the
usual assumption for Gaussian mixtures, not a theorem.) A shortfall of the search overstates
the lower bound, so what it does to save time must not lose the sup.

All starts run at once as one compiled loop (`tf.while_loop` over iterations, chunks of at
most `chunk_size` starts to bound memory); a start leaves the loop when it stops, and the
loop ends when none is left or after `max_iterations`. Every value the loop computes carries
its proven rounding-error bound `delta` (`mixture.value_error_bound`), and every comparison
that stops or drops a start holds for the exact values, whatever the rounding.

Each start, and what is proven or measured about it:
  * Steps are over-relaxed, `y + eta (m(y) - y)` with eta growing while the value rises, and
    fall back to the plain step (which never lowers the value) when it does not (Salakhutdinov
    & Roweis 2003): near-optimal u makes the landscape nearly flat, where plain mean-shift
    crawls.
  * Converged: its estimated remaining gain is below `tol` nats (`stopping.converged`; the
    estimate is exact for a quadratic log f, asymptotic in general), or its step returned
    its own position (`stopping.fixed`: proven to lose nothing, no later step moves it). It
    becomes a candidate at the position its value was computed at.
  * Pruned: even `prune_margin` times its estimated remaining gain cannot lift its value above
    one already attained, both taken at the far end of their error bounds
    (`stopping.hopeless`). The float comparison is proven to hold for the exact values; the
    remaining-gain estimate is not proven. Measured: the sup equals that of the search
    without pruning (`exhaustive_test`, several seeds; at the presets' k in the slow tests),
    at the default margin and at the image presets' harder one (margin 3, tol 1e-4).
    It buys 2-20x in flat landscapes (every start otherwise climbs the broad top to `tol`).
  * Unconverged: still moving after `max_iterations`. Its value underestimates its mode, so
    the result counts it (`unconverged`) and evaluation refuses the draw
    (`evaluator.UnconvergedSearchError`); its last accepted point is still a candidate.

  * Blocks (`blocks`, when `block_size` is set): a chunk of starts steps against the
    samples near it only. What it skipped is bounded and added to every value's error
    bound, so the comparisons above stay proven; the climbs head for the kept terms' modes,
    which is measured, not proven, to lose no sup.

The result. No candidate is dropped on a float comparison that rounding could have decided:
every candidate whose value could be the highest (its value plus its bound reaches the best
value minus its bound) is evaluated again in float64, and

    log_c = max over those of (float64 value + its float64 error bound) + tol.

Proven: log_c >= log f at every candidate, to float64 rounding included. The `tol` covers the
estimated gain a converged start had left (an estimate, as above). `y` is the best candidate;
log_c exceeds log f(y) by at most tol plus twice the float64 bound (~1e-12 nats).

Precision. The loop runs in float32 unless the float32 error bound at the samples exceeds
`max_float32_error` nats; then in float64. The bound grows with beta |x|^2 (the expanded
distances cancel) and with n (and k in Gram coordinates): at high lambda float32 cannot
resolve a mode at all (N(0, I_2), k = 128, lambda = 1e4: a start never converged), and a
large bound leaves pruning nothing to prune. Samples are centred first, which shrinks |x|.
The choice changes speed, not validity. A float32 search that leaves starts moving at
`max_iterations` (too coarse to resolve their modes) runs again in float64 (`climb`), so a
generous `max_float32_error` costs time where float32 fails, never a failed draw.

Spread. `spread` partitions the starts over Dask workers (`spread.py`: each part climbs
against all k samples; the parts' candidates are evaluated again in float64 here, as one
process evaluates its own).
"""

import dataclasses
import math
from typing import NamedTuple, Optional

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import blocks as blocks_lib
from rdbounds.lower.search import mean_shift
from rdbounds.lower.search import mixture
from rdbounds.lower.search import spread as spread_lib
from rdbounds.lower.search import starts as starts_lib
from rdbounds.lower.search import stopping
from rdbounds.lower.search.options import SearchOptions


@dataclasses.dataclass(frozen=True)
class ModeSearchResult:
  """Outcome of one search.

  Attributes:
    log_c: float64 scalar (nats): at least log f at every candidate the search kept, at most
      log f(y) + tol + 1e-12 (module docstring).
    y: `[n]` float64, the best candidate (flattened, in the input's coordinates).
    iterations: int32 scalar, mean-shift iterations run.
    unconverged: int32 scalar, starts still moving after `max_iterations`. When > 0,
      `log_c` may be below the sup: evaluation must not use it.
    num_starts: int32 scalar, starts searched.
    contenders: int32 scalar, candidates evaluated again in float64.
    float64: bool scalar, the loop ran in float64 (float32 was too coarse, or did not
      converge).
  """
  log_c: tf.Tensor
  y: tf.Tensor
  iterations: tf.Tensor
  unconverged: tf.Tensor
  num_starts: tf.Tensor
  contenders: tf.Tensor
  float64: tf.Tensor


class _Limits(NamedTuple):
  """`SearchOptions` as tensors, so new values do not retrace the compiled search."""
  tol: tf.Tensor
  prune_margin: tf.Tensor
  max_iterations: tf.Tensor
  chunk_size: tf.Tensor
  skip_nats: tf.Tensor

  @classmethod
  def of(cls, options: SearchOptions, dtype) -> "_Limits":
    return cls(tf.constant(options.tol, dtype), tf.constant(options.prune_margin, dtype),
               tf.constant(options.max_iterations), tf.constant(options.chunk_size),
               tf.constant(options.skip_nats, dtype))


class _Bound(NamedTuple):
  """What `mixture.value_error_bound` needs besides a row's norm and value."""
  beta: tf.Tensor
  sample_norm: tf.Tensor
  log_w_bound: tf.Tensor
  n: tf.Tensor
  k: tf.Tensor
  gram: bool

  @classmethod
  def of(cls, x, log_w, beta, gram: bool) -> "_Bound":
    return cls(beta, tf.reduce_max(tf.norm(x, axis=1)), tf.reduce_max(tf.abs(log_w)),
               tf.shape(x)[1], tf.shape(x)[0], gram)

  def at_samples(self, dtype):
    """The bound in `dtype` of a value near 0 at a point as far out as the farthest sample
    (Gram: |c|_1 = 1), where the search starts."""
    value = tf.zeros([1], self.beta.dtype)
    return mixture.value_error_bound(self.beta, self.sample_norm, self.sample_norm[None],
                                     self.log_w_bound, value, self.n, self.k, dtype,
                                     self.gram)[0]

  def at(self, positions, value, norm=None):
    """`[A]` error bounds of the values at `[A, d]` positions (or points of `norm` `[A]`)."""
    if norm is None and self.gram:
      norm = tf.reduce_sum(tf.abs(positions), axis=1) * self.sample_norm
    elif norm is None:
      norm = tf.norm(positions, axis=1)
    return mixture.value_error_bound(self.beta, self.sample_norm, norm, self.log_w_bound,
                                     value, self.n, self.k, value.dtype, self.gram)


class _Running(NamedTuple):
  """The starts still running, `[A, ...]` each, filtered together as starts stop.

  Attributes:
    pos: `[A, d]` where the next step is taken.
    safe: `[A, d]` the plain image of the last accepted point (the fallback after a rejection).
    at_safe: `[A]` pos is that plain image (so its step is accepted whatever its value).
    ref_value: `[A]` log value at the last accepted point (nats).
    ref_error: `[A]` its error bound (nats).
    eta: `[A]` over-relaxation factor of the step that led to pos (1: a plain step).
    last_moved: `[A]` moved at the last accepted point (0 before the first).
  """
  pos: tf.Tensor
  safe: tf.Tensor
  at_safe: tf.Tensor
  ref_value: tf.Tensor
  ref_error: tf.Tensor
  eta: tf.Tensor
  last_moved: tf.Tensor

  @classmethod
  def at(cls, positions) -> "_Running":
    ones = tf.ones([tf.shape(positions)[0]], positions.dtype)
    return cls(positions, positions, tf.ones_like(ones, tf.bool), -np.inf * ones, 0.0 * ones,
               ones, 0.0 * ones)

  def advanced(self, step: mean_shift.Step, error, accepted) -> "_Running":
    """After `step`: an accepted point moves on by an over-relaxed step; a rejected one
    falls back to `safe`."""
    eta = stopping.next_eta(accepted, self.eta)
    column = accepted[:, None]
    return _Running(
        pos=tf.where(column, self.pos + eta[:, None] * (step.image - self.pos), self.safe),
        safe=tf.where(column, step.image, self.safe),
        at_safe=tf.logical_not(accepted),
        ref_value=tf.where(accepted, step.log_value, self.ref_value),
        ref_error=tf.where(accepted, error, self.ref_error),
        eta=eta,
        last_moved=tf.where(accepted, step.moved, self.last_moved))

  def kept(self, mask) -> "_Running":
    return _Running(*(tf.boolean_mask(t, mask) for t in self))

  def shape_invariants(self) -> "_Running":
    return _Running(*(tf.TensorShape([None] * t.shape.rank) for t in self))


class _Candidates(NamedTuple):
  """Positions `[T, d]` of stopped starts, their values `[T]` and error bounds `[T]`, one
  `TensorArray` entry per iteration (appending costs only the new rows)."""
  pos: tf.TensorArray
  value: tf.TensorArray
  error: tf.TensorArray

  @classmethod
  def empty(cls, dtype) -> "_Candidates":
    def array(shape):
      return tf.TensorArray(dtype, size=0, dynamic_size=True, infer_shape=False,
                            element_shape=shape)
    return cls(array(tf.TensorShape([None, None])), array(tf.TensorShape([None])),
               array(tf.TensorShape([None])))

  def with_(self, i, pos, value, error) -> "_Candidates":
    return _Candidates(self.pos.write(i, pos), self.value.write(i, value),
                       self.error.write(i, error))

  def stacked(self):
    return self.pos.concat(), self.value.concat(), self.error.concat()


@tf.function(reduce_retracing=True)
def _search(x, log_w, beta, start_index, limits: _Limits, gram: bool,
            blocks: Optional[blocks_lib.Blocks] = None):
  """The batched search from `x[start_index]`, in the dtype of `x`; see the module docstring.

  Args:
    x: `[k, n]` centred samples. log_w: `[k]`. beta: lambda / dims.
    start_index: `[S]` int32. limits: the options. gram: positions in Gram coordinates.
    blocks: the samples' blocks (`x` in tree order), or None: every step against all k.
  Returns:
    (contender positions `[T, d]`, iterations, unconverged count).
  """
  form = mean_shift.Form.build(x, log_w, beta, gram)
  bound = _Bound.of(x, log_w, beta, gram)

  def step_and_error(pos):
    """The step from `[A, d]` positions and `[A]` proven bounds on its values' errors."""
    if blocks is None:
      step = mean_shift.chunked_step(form, pos, limits.chunk_size)
      return step, bound.at(pos, step.log_value)
    blocked = blocks_lib.chunked_step(form, blocks, pos, limits.chunk_size, limits.skip_nats)
    error = bound.at(pos, blocked.step.log_value)
    # The value leaves out the skipped terms: its error grows by their bound.
    return blocked.step, error + blocks_lib.skipped_nats(blocked.log_skipped,
                                                         blocked.step.log_value, error)

  def body(i, running: _Running, best_low, candidates: _Candidates):
    step, error = step_and_error(running.pos)
    accepted = stopping.accepts(running.at_safe, step.log_value, running.ref_value)
    best_low = tf.reduce_max(tf.concat(
        [[best_low], tf.boolean_mask(step.log_value - error, accepted)], 0))
    remaining = stopping.remaining_gain(step.moved, running.last_moved, running.eta)
    converged = tf.logical_or(stopping.converged(accepted, remaining, limits.tol),
                              stopping.fixed(accepted, step.image, running.pos))
    pruned = stopping.hopeless(accepted, step.log_value + error, remaining, best_low,
                               limits.prune_margin)
    candidates = candidates.with_(i, tf.boolean_mask(running.pos, converged),
                                  tf.boolean_mask(step.log_value, converged),
                                  tf.boolean_mask(error, converged))
    running = running.advanced(step, error, accepted).kept(
        tf.logical_not(tf.logical_or(converged, pruned)))
    return i + 1, running, best_low, candidates

  def cond(i, running, best_low, candidates):
    del best_low, candidates
    return tf.logical_and(i < limits.max_iterations, tf.shape(running.pos)[0] > 0)

  running = _Running.at(form.positions_at_samples(start_index))
  iterations, running, _, candidates = tf.while_loop(
      cond, body, [tf.constant(0), running, tf.constant(-np.inf, x.dtype),
                   _Candidates.empty(x.dtype)],
      shape_invariants=[tf.TensorShape([]), running.shape_invariants(), tf.TensorShape([]),
                        _Candidates(*[tf.TensorShape(None)] * 3)])
  # Unconverged starts are counted (the caller decides); their last accepted points are
  # attained values and stay candidates (at their plain image, whose value is no lower).
  pos, value, error = candidates.with_(iterations, running.safe, running.ref_value,
                                       running.ref_error).stacked()
  could_be_best = value + error >= tf.reduce_max(value - error)
  return tf.boolean_mask(pos, could_be_best), iterations, tf.shape(running.pos)[0]


@tf.function(reduce_retracing=True)
def _bounded_float64_values(x, log_w, beta, points, chunk_size, gram: bool):
  """`[T]` float64 log f at `[T, n]` centred points plus each value's proven error bound.

  Points made from Gram coefficients (`gram`) take the Gram form's bound, which also covers
  the rounding of the float64 product c X that made them.
  """
  bound = _Bound.of(x, log_w, beta, gram)

  def chunk(rows):
    value = mixture.log_values(x, log_w, beta, rows)
    return (value + bound.at(rows, value, norm=tf.norm(rows, axis=1)),)

  return mean_shift.map_chunks(chunk, points, chunk_size, 1)[0]


class Climbed(NamedTuple):
  """What climbing from some of the starts gives (numpy arrays, or tensors in a graph).

  Attributes:
    positions: `[T, d]` float64 positions of the candidates that could be the best.
    iterations: mean-shift iterations run. unconverged: starts still moving at the cap.
    num_starts: starts climbed. float64: the climbs ran in float64.
  """
  positions: np.ndarray
  iterations: int
  unconverged: int
  num_starts: int
  float64: bool


def climb(centred, log_w, beta, starts, options: SearchOptions, gram: bool,
          float64, edges=None) -> Climbed:
  """The climbs from `starts` against all `[k, d]` float64 `centred` samples (`_search`), in
  float64 if `float64` (a bool tensor) else in float32. A float32 search that leaves starts
  moving at the iteration cap (float32 too coarse to resolve their modes) runs again in
  float64: the dtype changes speed, never validity, and an unconverged draw would fail the
  evaluation. Tensors in and out, so that it also runs inside a compiled training step;
  `edges` (numpy, `blocks.tree_order`'s, `centred` in tree order) needs eager tensors."""

  def search_in(dtype):
    cast = lambda t: tf.cast(t, dtype)
    index = starts_lib.start_indices(cast(centred), cast(log_w), cast(beta), starts,
                                     options.chunk_size)
    blocks = None if edges is None else blocks_lib.Blocks.of(centred, log_w, edges, dtype)
    positions, iterations, unconverged = _search(
        cast(centred), cast(log_w), cast(beta), index, _Limits.of(options, dtype), gram,
        blocks)
    return Climbed(tf.cast(positions, tf.float64), iterations, unconverged,
                   tf.shape(index)[0], tf.constant(dtype == tf.float64))

  def float32_then_float64():
    first = search_in(tf.float32)
    return tf.cond(first.unconverged > 0, lambda: search_in(tf.float64), lambda: first)

  return Climbed(*tf.cond(float64, lambda: search_in(tf.float64), float32_then_float64))


def climb_part(part, centred, log_w, beta, options, gram, float64, edges=None) -> Climbed:
  """`climb` from the starts `part` (`[S]` indices), as numpy: one worker's share (`spread`)."""
  climbed = climb(tf.constant(centred, tf.float64), tf.constant(log_w, tf.float64),
                  tf.constant(beta, tf.float64), part, options, gram, tf.constant(float64),
                  edges)
  return Climbed(climbed.positions.numpy(), int(climbed.iterations),
                 int(climbed.unconverged), int(climbed.num_starts), bool(climbed.float64))


def find_mode(x, log_w, lmbda, starts: starts_lib.Starts = starts_lib.EXHAUSTIVE,
              options: SearchOptions = SearchOptions(), gram: Optional[bool] = None,
              dims: Optional[int] = None, spread: spread_lib.Spread = None
              ) -> ModeSearchResult:
  """log sup_y sum_i exp(log_w_i - lambda |x_i - y|^2 / dims); see the module docstring.

  Args:
    x: `[k, *event_shape]` samples (flattened to n = prod(event_shape) coordinates).
    log_w: `[k]` log weights, nats (for C_k: `-log u(x_i) - log k`).
    lmbda: lambda >= 0.
    starts: "exhaustive" (every sample: evaluation), t (the t samples where f is highest),
      or a sequence of sample indices.
    options: tolerance, pruning, iteration cap, memory, precision (`SearchOptions`).
    gram: search in Gram coordinates; default: when n > k.
    dims: the number of coordinates the distortion averages over (default n); a search on
      a lower-dimensional image of the samples (`projection`) keeps the original's.
    spread: where an exhaustive search's climbs run (`spread.OnDask`: partitioned over
      workers); default: this process.
  Returns:
    `ModeSearchResult`. Differentiable use: hold `y` fixed and recompute the value with
    `mixture.log_value` inside a tape (envelope theorem).
  """
  x = tf.cast(tf.convert_to_tensor(x), tf.float64)
  k = int(x.shape[0])
  x = tf.reshape(x, [k, -1])
  n = int(x.shape[1])
  log_w = tf.cast(tf.convert_to_tensor(log_w), tf.float64)
  if log_w.shape.rank != 1 or (log_w.shape[0] is not None and log_w.shape[0] != k):
    raise ValueError(f"log_w must have shape [{k}] (one per sample), got {log_w.shape}")
  gram = bool(n > k if gram is None else gram)
  # f is translation invariant: centring shrinks |x|^2, hence the error of the expanded
  # distances.
  centre = tf.reduce_mean(x, axis=0)
  centred = x - centre
  beta = tf.cast(lmbda, tf.float64) / (dims or n)
  float64 = _Bound.of(centred, log_w, beta, gram).at_samples(tf.float32) > (
      options.max_float32_error)
  spread = spread or spread_lib.IN_PROCESS
  exhaustive = isinstance(starts, str) and starts == starts_lib.EXHAUSTIVE
  edges = None
  if exhaustive and options.block_size and not gram and tf.executing_eagerly():
    # Every sample is a start, so their order is free: tree order puts a chunk's starts (and
    # a worker's part) near each other, and the blocks a chunk keeps few.
    order, edges = blocks_lib.tree_order(centred.numpy(), options.block_size)
    centred, log_w = tf.gather(centred, order), tf.gather(log_w, order)
  if exhaustive and tf.executing_eagerly() and spread.workers > 1:
    parts = spread.map(climb_part, spread_lib.parts(k, spread.workers),
                       centred=centred.numpy(), log_w=log_w.numpy(), beta=float(beta),
                       options=options, gram=gram, float64=bool(float64), edges=edges)
    climbed = Climbed(tf.constant(np.concatenate([c.positions for c in parts]), tf.float64),
                      tf.constant(max(c.iterations for c in parts)),
                      tf.constant(sum(c.unconverged for c in parts)),
                      tf.constant(sum(c.num_starts for c in parts)),
                      tf.constant(any(c.float64 for c in parts)))
  else:
    climbed = climb(centred, log_w, beta, starts, options, gram, float64, edges)
  positions = climbed.positions
  points = tf.matmul(positions, centred) if gram else positions
  upper = _bounded_float64_values(centred, log_w, beta, points,
                                  tf.constant(options.chunk_size), gram)
  best = tf.argmax(upper)
  return ModeSearchResult(log_c=upper[best] + options.tol, y=points[best] + centre,
                          iterations=climbed.iterations, unconverged=climbed.unconverged,
                          num_starts=climbed.num_starts, contenders=tf.shape(points)[0],
                          float64=climbed.float64)
