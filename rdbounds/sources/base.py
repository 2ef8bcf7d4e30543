"""The `Source` protocol: what every estimator needs to know about a data source.

A source draws i.i.d. samples. Sampling is *stateless*: the same `(seed, split)` always
gives the same batch, which makes training runs reproducible and resumable step for step.
Synthetic sources have disjoint `train` and `test` streams (fresh samples for evaluation);
finite data sets (`npy`, image folders) have disjoint train and test arrays.

Evaluation draws (`test_batches`) are independent batches of the source: fresh samples for
synthetic sources, pairwise disjoint held-out samples (drawn without replacement) for finite
data, which can therefore supply only `held_out_samples` of them in all.

`describe()` names everything that defines a source's distribution (parameters, or content
hashes of the files it reads): job ids hash it, so two sources share cached results only if
they are the same distribution.
"""

import dataclasses
import hashlib
import os
from typing import Callable, Iterable, Optional, Sequence, Union

import numpy as np
import tensorflow as tf

from rdbounds.sources import spec as source_spec

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


# Multipliers per pixel of image sources (nats per pixel against MSE per dimension, pixels in
# [0, 1]) whose spatial upper bounds spanned 0.12 to 1.37 bits per pixel on a held-out photograph
# (docs/results.md, "Natural images").
LAMBDAS_PER_PIXEL = (60, 200, 600, 1800, 5400)

_HASH_CHUNK = 1 << 20  # Bytes read at a time when hashing files.


def file_sha256(path: str) -> str:
  """Hex sha256 of a file's bytes, read in chunks (files may be larger than memory)."""
  digest = hashlib.sha256()
  with open(path, "rb") as f:
    for chunk in iter(lambda: f.read(_HASH_CHUNK), b""):
      digest.update(chunk)
  return digest.hexdigest()


def files_sha256(paths: Iterable[str], root: Optional[str] = None) -> str:
  """Hex sha256 of several files: their names (relative to `root`, else base names) and bytes.

  Names are part of it because they can decide how the files are used (e.g. the split by
  file of an image folder follows their sorted order); the folder holding them is not.
  """
  digest = hashlib.sha256()
  for path in paths:
    name = os.path.relpath(path, root) if root else os.path.basename(path)
    digest.update(f"{name}\0{file_sha256(path)}\n".encode())
  return digest.hexdigest()


def tree_sha256(directory: str) -> str:
  """`files_sha256` of every file under `directory`, in sorted order of relative path."""
  paths = sorted(os.path.join(root, name) for root, _, names in os.walk(directory)
                 for name in names)
  return files_sha256(paths, root=directory)


class Batches(Sequence):
  """`len(self)` batches `[k, *event_shape]`, each made when it is accessed."""

  def __init__(self, count: int, fetch: Callable[[int], tf.Tensor]):
    self._count, self._fetch = int(count), fetch

  def __len__(self):
    return self._count

  def __getitem__(self, j):
    if not isinstance(j, (int, np.integer)):
      raise TypeError(f"batch index must be an int, got {type(j).__name__}")
    if not 0 <= j < self._count:
      raise IndexError(f"batch {j} of {self._count}")
    return self._fetch(int(j))


def numpy_rng(seed: "SeedLike", *streams: int) -> np.random.Generator:
  """A numpy generator determined by a stateless seed (for permutations of finite data)."""
  return np.random.default_rng([int(v) & 0xFFFFFFFF for v in
                                stateless_seed(seed, *streams).numpy()])


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
  _spec = None  # Set by `building.build`.

  @property
  def spec(self) -> source_spec.SourceSpec:
    """The `SourceSpec` that rebuilds this source and names it. A source made in code from
    its class gets one that names it (its description) and cannot rebuild it (`CUSTOM`)."""
    if self._spec is not None:
      return self._spec
    return source_spec.SourceSpec(source_spec.CUSTOM, description=self.describe())

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

  @property
  def held_out_samples(self) -> Optional[int]:
    """How many pairwise disjoint samples `test_batches` can draw in all; None: unlimited."""
    return None

  def held_out_files(self) -> Optional[list]:
    """Names of the files whose samples are held out (image folders), else None."""
    return None

  @property
  def default_lambdas(self) -> Optional[tuple]:
    """The multipliers a sweep uses when none are given: for images, `LAMBDAS_PER_PIXEL`
    times the pixels per sample (lambda weighs MSE per dimension against nats per sample);
    None for vectors, whose scale of interest the user knows best."""
    if not self.is_image:
      return None
    return tuple(float(l * self.pixels_per_sample) for l in LAMBDAS_PER_PIXEL)

  @property
  def has_whole_images(self) -> bool:
    """Whether `held_out_images` gives whole photographs (image folders)."""
    return False

  def held_out_images(self) -> Optional[list]:
    """The held-out images whole, as float32 `[H_i, W_i, C]` arrays in [0, 1] of their own
    sizes (image folders: one per held-out file), else None.

    Where this is not None, achievable points (upper bounds, codecs) are measured on these
    whole images rather than on crops, as photographs are coded in practice.
    """
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

  def test_batches(self, k: int, num_batches: int, seed: SeedLike) -> Batches:
    """`num_batches` independent batches of k held-out samples, for evaluation.

    Synthetic sources draw fresh i.i.d. samples for each batch. Finite data sets override
    this to draw without replacement: no held-out sample is in two batches (or twice in
    one), so the batches are i.i.d. batches of the source, not of a resampled finite set.
    Raises `ValueError` if the data cannot supply `k * num_batches` samples.
    """
    self._check_held_out(k, num_batches)
    k, num_batches = int(k), int(num_batches)
    return Batches(num_batches,
                   lambda j: self.sample(k, seed=stateless_seed(seed, j), split="test"))

  def _check_held_out(self, k: int, num_batches: int) -> None:
    """Raises a one-line `ValueError` when the held-out data are too few for the batches."""
    k, num_batches = int(k), int(num_batches)
    if k <= 0 or num_batches <= 0:
      raise ValueError(f"k and num_batches must be positive, got {k} and {num_batches}")
    available = self.held_out_samples
    if available is not None and k * num_batches > available:
      raise ValueError(f"{self.name}: {num_batches} disjoint batches of {k} need "
                       f"{k * num_batches:,} held-out samples, the data have {available:,}")

  def quadratic_view(self) -> Optional[QuadraticView]:
    """A <= 2-d view for Blahut-Arimoto, or None when BA does not apply."""
    if len(self.event_shape) == 1 and self.dim <= 2:
      return QuadraticView(self.dim, np.eye(self.dim) / self.dim, lambda x: np.asarray(x))
    return None

  def describe(self) -> dict:
    """JSON-able description for config files."""
    return {"name": self.name, "event_shape": list(self.event_shape)}


class View(Source):
  """A source seen through a transformation of its samples (a subclass overrides `sample`,
  `test_batches` and what else it changes): its name, size, held-out counts, spec and
  description are the wrapped source's."""

  def __init__(self, source: Source):
    self.source = source
    self.name = source.name
    self.event_shape = source.event_shape

  @property
  def size(self):
    return self.source.size

  @property
  def held_out_samples(self):
    return self.source.held_out_samples

  @property
  def spec(self):
    return self.source.spec

  def describe(self):
    return self.source.describe()
