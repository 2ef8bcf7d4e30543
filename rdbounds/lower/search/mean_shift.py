"""One mean-shift step on the mixture `f(y) = sum_i exp(log_w_i - beta |x_i - y|^2)`, batched.

The step maps y to the mean of the samples under the softmax weights at y,

    m(y) = sum_i r_i(y) x_i,    r(y) = softmax_i(log_w_i - beta |x_i - y|^2),

a fixed point of which is a stationary point of f (`m(y) - y = grad log f(y) / (2 beta)`).
It is a bound optimization: by Jensen's inequality over r(y),

    log f(y') - log f(y) >= beta (|y - m(y)|^2 - |y' - m(y)|^2)    for every y',

so the plain step y' = m(y) gains at least `moved = beta |m(y) - y|^2` nats, and f stays
above f(y) on the whole segment from y to m(y) (Carreira-Perpiñán 2007). Both searches
(`exhaustive` for evaluation, `quick` for training) take their steps here.

Two coordinate systems (`Form`):
  * direct: a position is the point y `[n]`; a step costs ~2 k n per position;
  * Gram (worth it when n > k): every image lies in the span of the samples, y = c X with
    c in R^k, so a position is its coefficient vector c, `y . x_i = (c G)_i` with
    `G = X X^T`, and the image's coefficients are r(y) itself; a step costs ~2 k^2.
Samples are centred by the caller (f is translation invariant), which shrinks the float32
error of the expanded distances (`mixture.expansion`).
"""

import dataclasses
from typing import NamedTuple

import tensorflow as tf

from rdbounds.lower.search import mixture


@dataclasses.dataclass(frozen=True)
class Form:
  """The constants of a step, in direct or Gram coordinates (build inside a tf.function).

  Attributes:
    x: `[k, n]` float32 centred samples.
    beta: float32 scalar, lambda / n.
    scaled_basis: `[k, d]`, 2 beta X (direct, d = n) or 2 beta X X^T (Gram, d = k).
    bias: `[k]`, log_w - beta |x|^2 (`mixture.expansion`).
    gram: whether positions are Gram coefficients.
  """
  x: tf.Tensor
  beta: tf.Tensor
  scaled_basis: tf.Tensor
  bias: tf.Tensor
  gram: bool

  @classmethod
  def build(cls, x, log_w, beta, gram: bool) -> "Form":
    scaled_x, bias = mixture.expansion(x, log_w, beta)
    basis = tf.matmul(x, scaled_x, transpose_b=True) if gram else scaled_x
    return cls(x, beta, basis, bias, gram)

  def positions_at_samples(self, index):
    """`[A, d]` positions of the samples `x[index]`."""
    if self.gram:
      return tf.one_hot(index, tf.shape(self.x)[0], dtype=self.x.dtype)
    return tf.gather(self.x, index)

  def points(self, positions):
    """`[A, n]` centred points of `[A, d]` positions."""
    return tf.matmul(positions, self.x) if self.gram else positions


class Step(NamedTuple):
  """A step from `[c, d]` positions.

  Attributes:
    image: `[c, d]` the positions of m(y) (Gram: the softmax weights r(y)).
    log_value: `[c]` float32 log f(y) at the positions, by expansion (nats).
    moved: `[c]` beta |m(y) - y|^2, the least a plain step gains (nats).
  """
  image: tf.Tensor
  log_value: tf.Tensor
  moved: tf.Tensor


def step(form: Form, positions) -> Step:
  """The mean-shift step from `[c, d]` positions (one `[c, k]` block)."""
  projected = tf.matmul(positions, form.scaled_basis, transpose_b=True)  # 2 beta y.x_i
  logits = tf.nn.bias_add(projected, form.bias)
  if form.gram:
    y_sq = tf.reduce_sum(projected * positions, axis=1) / (2.0 * form.beta)  # c G c^T
  else:
    y_sq = tf.reduce_sum(tf.square(positions), axis=1)
  kernel = mixture.kernel_of(logits)
  log_value = kernel.log_sum_exp - form.beta * y_sq
  if form.gram:
    image = kernel.kernel / kernel.total
    delta = image - positions
    # beta |m - y|^2 = beta (r - c) G (r - c)^T, from the difference of the coefficients.
    moved = 0.5 * tf.reduce_sum(delta * tf.matmul(delta, form.scaled_basis), axis=1)
  else:
    image = tf.matmul(kernel.kernel, form.x) / kernel.total
    moved = form.beta * tf.reduce_sum(tf.square(image - positions), axis=1)
  return Step(image, log_value, moved)


def chunked_step(form: Form, positions, chunk_size) -> Step:
  """`step` over `[A, d]` positions in chunks of at most `chunk_size` (memory ~ chunk x k)."""
  return Step(*map_chunks(lambda rows: tuple(step(form, rows)), positions, chunk_size, 3))


def map_chunks(fn, rows, chunk_size, num_outputs: int, pad_with_last: bool = False):
  """`fn` over `[A, d]` rows in balanced chunks (`pad_to_chunks`), one chunk at a time.

  `fn` maps `[r, d]` rows to a tuple of `num_outputs` tensors of the rows' dtype, each with r
  rows (`[r]` or `[r, e]`); the result is that tuple for all A rows. parallel_iterations=1:
  one chunk's `[r, k]` matrices alive at a time (the matmuls and exps inside use all cores).
  Where A fits one chunk (most late iterations of a search), `fn` runs on the rows directly.
  """
  rows = tf.convert_to_tensor(rows)
  a = tf.shape(rows)[0]

  def in_chunks():
    spec = tf.TensorSpec(None, rows.dtype)
    out = tf.map_fn(lambda chunk: tuple(fn(chunk)),
                    pad_to_chunks(rows, chunk_size, pad_with_last), parallel_iterations=1,
                    fn_output_signature=(spec,) * num_outputs)
    return tuple(unpad(t, a) for t in out)

  return tf.cond(a <= chunk_size, lambda: tuple(fn(rows)), in_chunks)


def pad_to_chunks(tensor, chunk_size, pad_with_last: bool = False):
  """`[A, d]` -> `[m, r, d]`: m = ceil(A / chunk_size) chunks of r = ceil(A / m) rows.

  Padded by fewer than m rows (callers drop them with `unpad`): zeros, or with
  `pad_with_last` copies of the last row (A >= 1), for an `fn` whose work grows with how far
  apart a chunk's rows lie. Balanced chunks rather than full ones, so a handful of starts
  still moving late in a search costs a handful of rows, not a full chunk (padding 1 start to
  512 rows made each late iteration as dear as 512 starts).
  """
  a = tf.shape(tensor)[0]
  # At least one chunk of one row, so an empty set still gives well-shaped (empty) outputs.
  chunks = tf.maximum((a + chunk_size - 1) // chunk_size, 1)
  rows = tf.maximum((a + chunks - 1) // chunks, 1)
  if pad_with_last:
    padded = tf.gather(tensor, tf.minimum(tf.range(chunks * rows), a - 1))
  else:
    padded = tf.pad(tensor, [[0, chunks * rows - a], [0, 0]])
  return tf.reshape(padded, [chunks, rows, tf.shape(tensor)[1]])


def unpad(chunked, a):
  """Inverse of `pad_to_chunks`: `[m, r, *e]` -> the first `a` rows `[a, *e]`."""
  return tf.reshape(chunked, tf.concat([[-1], tf.shape(chunked)[2:]], 0))[:a]
