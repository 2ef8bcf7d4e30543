"""The `Source` protocol: what every estimator needs to know about a data source.

A source draws i.i.d. samples. Sampling is *stateless*: the same `(seed, split)` always
gives the same batch, which makes training runs reproducible and resumable step for step.
Synthetic sources have disjoint `train` and `test` streams (fresh samples for evaluation);
finite data sets (`npy`, image folders) have disjoint train and test arrays.
"""

import dataclasses
from typing import Optional, Sequence, Union

import numpy as np
import tensorflow as tf

# Split name -> stream id folded into the seed, so train and test draws never coincide.
SPLITS = {"train": 0, "test": 1}

SeedLike = Union[int, Sequence[int], tf.Tensor]


def stateless_seed(seed: SeedLike, *streams: int) -> tf.Tensor:
  """A `[2]` int32 seed for `tf.random.stateless_*` from an int or pair, with streams folded in."""
  seed = tf.convert_to_tensor(seed)
  if seed.shape.rank == 0:
    seed = tf.stack([tf.cast(seed, tf.int64) % 2**31, tf.constant(0, tf.int64)])
  seed = tf.cast(seed, tf.int64) % 2**31
  seed = tf.cast(seed, tf.int32)
  for stream in streams:
    seed = tf.random.experimental.stateless_fold_in(seed, stream)
  return seed


@dataclasses.dataclass(frozen=True)
class QuadraticView:
  """A low-dimensional view of a source for Blahut-Arimoto.

  The source's distortion equals `(u - v)^T metric (u - v)` between the low-dimensional
  coordinates `u = to_base(x)` of a sample and `v` of a reconstruction. For an ordinary
  n-d source with `n <= 2`, `to_base` is the identity and `metric = I / n` (MSE per dim).

  Attributes:
    base_dim: dimension of `u` (1 or 2).
    metric: `[base_dim, base_dim]` positive definite matrix.
    to_base: maps samples `[B, n]` to `[B, base_dim]` (numpy in, numpy out).
  """
  base_dim: int
  metric: np.ndarray
  to_base: callable


class Source:
  """Base class of data sources.

  Subclasses set `name` and `event_shape` and implement `_sample`.

  Attributes:
    name: short identifier used in CSV rows (e.g. `gaussian-dim=2`).
    event_shape: shape of one sample: `(n,)` for vectors, `(H, W, C)` for images.
    analytic: an object with `point(lmbda)`, `intercept(lmbda)` and `rate(distortion)`
      when the true R(D) is known in closed form (see `rdbounds.theory`), else None.
    differential_entropy_nats: h(X) when known (for the Shannon lower bound), else None.
  """

  name: str = "source"
  event_shape: tuple = ()
  analytic = None
  differential_entropy_nats: Optional[float] = None

  @property
  def dim(self) -> int:
    """Number of scalar coordinates per sample (n, or H*W*C)."""
    return int(np.prod(self.event_shape))

  @property
  def is_image(self) -> bool:
    return len(self.event_shape) == 3

  @property
  def pixels_per_sample(self) -> Optional[int]:
    """H*W for image sources (for bits per pixel), None for vectors."""
    return int(self.event_shape[0] * self.event_shape[1]) if self.is_image else None

  @property
  def size(self) -> Optional[dict]:
    """For finite data sets, {"train": N_train, "test": N_test}; None for synthetic sources."""
    return None

  def sample(self, batch_size: int, seed: SeedLike, split: str = "train") -> tf.Tensor:
    """Draws `batch_size` i.i.d. samples.

    Args:
      batch_size: number of samples B.
      seed: int, pair of ints, or `[2]` tensor; equal seeds give equal batches.
      split: "train" for training draws, "test" for held-out evaluation draws.

    Returns:
      float32 tensor `[B, *event_shape]`.
    """
    if split not in SPLITS:
      raise ValueError(f"split must be one of {sorted(SPLITS)}, got {split!r}")
    if int(batch_size) <= 0:
      raise ValueError(f"batch_size must be positive, got {batch_size}")
    return self._sample(int(batch_size), stateless_seed(seed, SPLITS[split]), split)

  def _sample(self, batch_size: int, seed: tf.Tensor, split: str) -> tf.Tensor:
    raise NotImplementedError

  def quadratic_view(self) -> Optional[QuadraticView]:
    """A <= 2-d view for Blahut-Arimoto, or None when BA does not apply."""
    if len(self.event_shape) == 1 and self.dim <= 2:
      return QuadraticView(self.dim, np.eye(self.dim) / self.dim, lambda x: np.asarray(x))
    return None

  def describe(self) -> dict:
    """JSON-able description for config files."""
    return {"name": self.name, "event_shape": list(self.event_shape)}
