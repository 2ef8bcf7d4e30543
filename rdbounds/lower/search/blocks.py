"""Blocks of nearby samples, and the proven bound that lets a mean-shift step skip far ones.

A step from y needs every term `w_i exp(-beta |x_i - y|^2)` of the mixture, but at image
lambdas nearly all of them are below e^-25 of the largest: a step from every sample against
all k is k^2 work, most of it on terms that cannot matter. Sort the samples into blocks of
nearby ones (`tree_order`: split at the median of the widest coordinate until a block holds at
most `block_size`, so that consecutive blocks are near each other too), and give block b its
centre mu_b, radius rho_b (every sample of the block within rho_b of mu_b) and total log
weight W_b = log sum_{i in b} w_i. For every point y, by the triangle inequality,

    sum_{i in b} w_i exp(-beta |x_i - y|^2) <= exp(W_b - beta max(0, |y - mu_b| - rho_b)^2),

the block's bound `U_b(y)`. A chunk of starts (`chunked_step`; consecutive starts in tree
order, so near each other) keeps the blocks some row of it needs, those whose bound reaches
its row's largest bound less `skip_nats`, and steps against their samples alone. The terms
it skipped are at most S(y) = sum over skipped blocks of exp(U_b(y)), so

    log f_kept(y) <= log f(y) <= log f_kept(y) + S(y) / f_kept(y),

and the search adds `S / f_kept` to the error bound of every value it compares (`skipped`):
best values stay attained, pruning still compares upper bounds with them. Proven, rounding
included (below), whatever `skip_nats`. What is not exact is the step: it moves to the kept
terms' mean, so a climb converges to a mode of the kept terms' mixture, off f's by a weight
of relative size S / f_kept. Measured: at `skip_nats` 10 and 25 the sup is the one of the
search against every sample (`blocks_test`, `exhaustive_test` at the presets' searches); at
3 one climb stopped 1.7e-4 nats short of it, which is why `SearchOptions` refuses less than
10. The candidates' values that decide log C_k are recomputed over all k samples in float64
(`exhaustive`).

Rounding of the bound (in the search's dtype, unit roundoff u). The centre is stored rounded
(moved by at most u |mu|), so the radius is raised by 2 u (|mu| + rho) (`Blocks.of`, in
float64). The squared distance |y|^2 - 2 y.mu + |mu|^2 has error at most
(gamma_d + 2u) (|y| + |mu|)^2 (three dot products of d terms, two additions; Higham sec. 3.1),
which is subtracted, doubled, before the square root; the square root's rounding is covered
by scaling the distance by 1 - 4u, so that what remains is below the exact distance; the
subtraction of the radius, the square and the product with beta then raise beta gap^2 by at
most a factor (1 + u)^5, covered by scaling it by 1 - 8u. The block weights are rounded up
before they are stored. The log-sum-exp of the skipped bounds and its difference with
log f_kept round by far less than the 1e-3 relative slack `skipped_nats` adds.
"""

import dataclasses
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import mean_shift
from rdbounds.lower.search import mixture


def tree_order(x: np.ndarray, block_size: int):
  """`(order [k], edges [B + 1])`: samples `x[order]` in blocks `edges[b]:edges[b + 1]` of at
  most `block_size`, nearby samples in one block and nearby blocks next to each other.

  Each level splits every block at the median of its widest coordinate (a k-d tree's leaves
  in depth-first order), one vectorized pass per level.
  """
  x = np.asarray(x)
  k = x.shape[0]
  if block_size < 1:
    raise ValueError(f"block_size must be >= 1, got {block_size}")
  order = np.arange(k)
  edges = np.array([0, k])
  while np.max(np.diff(edges)) > block_size:
    ids = np.repeat(np.arange(len(edges) - 1), np.diff(edges))
    sorted_x = x[order]
    spread = (np.maximum.reduceat(sorted_x, edges[:-1], axis=0)
              - np.minimum.reduceat(sorted_x, edges[:-1], axis=0))
    widest = np.argmax(spread, axis=1)[ids]
    order = order[np.lexsort((sorted_x[np.arange(k), widest], ids))]
    middles = (edges[:-1] + edges[1:]) // 2
    edges = np.stack([edges[:-1], middles], axis=1).reshape(-1)
    edges = np.append(np.unique(edges), k)
  return order, edges


class Blocks(NamedTuple):
  """Block summaries of samples in tree order, as tensors of the search's dtype.

  Attributes:
    edges: `[B + 1]` int32, block b holds samples `edges[b]:edges[b + 1]`.
    centre: `[B, d]` the blocks' means. radius: `[B]` raised for the centre's rounding.
    log_weight: `[B]` log sum of the block's w_i (nats).
  """
  edges: tf.Tensor
  centre: tf.Tensor
  radius: tf.Tensor
  log_weight: tf.Tensor

  @classmethod
  def of(cls, x, log_w, edges, dtype) -> "Blocks":
    """Summaries of `[k, d]` float64 samples `x` (in tree order) with `[k]` log weights."""
    x = np.asarray(x, np.float64)
    log_w = np.asarray(log_w, np.float64)
    sizes = np.diff(edges)
    centre = np.add.reduceat(x, edges[:-1], axis=0) / sizes[:, None]
    ids = np.repeat(np.arange(len(sizes)), sizes)
    distance = np.linalg.norm(x - centre[ids], axis=1)
    radius = np.maximum.reduceat(distance, edges[:-1])
    u = mixture.unit_roundoff(dtype)
    # The stored centre moves by u |mu|; float64's own rounding of the norms is far inside 2u.
    radius = radius + 2 * u * (np.linalg.norm(centre, axis=1) + radius)
    top = np.maximum.reduceat(log_w, edges[:-1])
    log_weight = top + np.log(np.add.reduceat(np.exp(log_w - top[ids]), edges[:-1]))
    # Rounded up: the cast to `dtype` moves each by at most u of itself.
    log_weight = log_weight + 2 * u * (np.abs(log_weight) + 1)
    return cls(tf.constant(edges, tf.int32), tf.constant(centre, dtype),
               tf.constant(radius * (1 + 4 * u), dtype), tf.constant(log_weight, dtype))

  def log_bounds(self, beta, positions):
    """`[c, B]` U_b(y) >= log of block b's terms at each of `[c, d]` positions (nats)."""
    dtype = positions.dtype
    u = mixture.unit_roundoff(dtype)
    d = tf.cast(tf.shape(positions)[1], dtype)
    gamma = d * u / (1 - d * u)
    y_norm = tf.norm(positions, axis=1, keepdims=True)
    centre_norm = tf.norm(self.centre, axis=1)[None, :]
    square = (tf.square(y_norm) - 2.0 * tf.matmul(positions, self.centre, transpose_b=True)
              + tf.square(centre_norm))
    rounding = 2.0 * (gamma + 2 * u) * tf.square(y_norm + centre_norm)
    distance = tf.sqrt(tf.maximum(square - rounding, 0.0)) * (1 - 4 * u)
    gap = tf.maximum(distance - self.radius[None, :], 0.0)
    return self.log_weight[None, :] - beta * (1 - 8 * u) * tf.square(gap)


class BlockedStep(NamedTuple):
  """A step over the kept blocks: `step` (`mean_shift.Step` of the kept terms' mixture) and
  `log_skipped` `[c]`, log S(y), the skipped terms' bound (-inf where nothing was skipped)."""
  step: mean_shift.Step
  log_skipped: tf.Tensor


def _step(form: mean_shift.Form, blocks: Blocks, positions, skip_nats) -> BlockedStep:
  """The step from `[c, d]` direct positions against the blocks some row needs."""
  bounds = blocks.log_bounds(form.beta, positions)
  # Keep a block if some row's bound for it is within skip_nats of that row's largest.
  is_kept = tf.reduce_any(
      bounds >= tf.reduce_max(bounds, axis=1, keepdims=True) - skip_nats, axis=0)
  kept = tf.cast(tf.reshape(tf.where(is_kept), [-1]), tf.int32)
  index = tf.ragged.range(tf.gather(blocks.edges, kept),
                          tf.gather(blocks.edges, kept + 1)).flat_values
  sub_form = dataclasses.replace(form, x=tf.gather(form.x, index),
                                 scaled_basis=tf.gather(form.scaled_basis, index),
                                 bias=tf.gather(form.bias, index))
  log_skipped = tf.reduce_logsumexp(
      tf.where(is_kept[None, :], tf.constant(-np.inf, bounds.dtype), bounds), axis=1)
  return BlockedStep(mean_shift.step(sub_form, positions), log_skipped)


def chunked_step(form: mean_shift.Form, blocks: Blocks, positions, chunk_size,
                 skip_nats) -> BlockedStep:
  """`_step` over `[A, d]` positions (A >= 1) in chunks of at most `chunk_size` rows, each
  chunk keeping its own blocks (positions in tree order make a chunk's rows near each other)."""

  def rows_step(rows):
    blocked = _step(form, blocks, rows, skip_nats)
    return (*blocked.step, blocked.log_skipped)

  # Padded with copies of the last row, not zeros: a row at the origin, far from every
  # sample, would keep nearly every block for its chunk.
  image, log_value, moved, log_skipped = mean_shift.map_chunks(
      rows_step, positions, chunk_size, 4, pad_with_last=True)
  return BlockedStep(mean_shift.Step(image, log_value, moved), log_skipped)


def skipped_nats(log_skipped, log_value, error):
  """`[c]` bound on log f - log f_kept: S / f_kept, with the kept value taken at the low end
  of its error bound `error` and 1e-3 relative slack for the rounding of S."""
  return 1.001 * tf.exp(log_skipped - log_value + error)
