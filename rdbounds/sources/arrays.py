"""A user's samples from `.npy` files: `[N, n]` vectors or `[N, H, W, C]` images.

Arrays are memory-mapped, so a file larger than memory is fine: a batch reads only its rows.
Images are either float in [0, 1] or uint8 (divided by 255).

Training draws rows with replacement. Evaluation draws (`test_batches`) take held-out rows
without replacement, each row in at most one batch: N held-out rows supply N / k draws.
"""

import functools
from typing import Optional

import numpy as np
import tensorflow as tf

from rdbounds.sources import base

_CHECK_ROWS = 1 << 16  # Rows per chunk when scanning a memory-mapped file for NaN/inf.


class DataError(ValueError):
  """A data file that cannot be used; the message names the file and the problem."""


def load_samples(path: str) -> np.ndarray:
  """Memory-maps and validates one `.npy` file of samples. Raises `DataError`."""
  try:
    array = np.load(path, mmap_mode="r", allow_pickle=False)
  except FileNotFoundError:
    raise DataError(f"{path}: no such file") from None
  except IsADirectoryError:
    raise DataError(f"{path}: is a directory, not a .npy file") from None
  except ValueError as e:  # e.g. object arrays, which need pickle.
    raise DataError(f"{path}: not a numeric .npy array ({e})") from None
  except Exception as e:
    raise DataError(f"{path}: not a readable .npy file ({type(e).__name__}: {e})") from None
  if not isinstance(array, np.ndarray):
    raise DataError(f"{path}: holds {type(array).__name__}, expected one array (not an .npz archive)")
  if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
    raise DataError(f"{path}: dtype {array.dtype} is not numeric")
  if array.ndim not in (2, 4):
    raise DataError(f"{path}: rank {array.ndim} with shape {array.shape}; expected [N, n] or [N, H, W, C]")
  if array.shape[0] == 0 or array.size == 0:
    raise DataError(f"{path}: empty array of shape {array.shape}")
  if np.issubdtype(array.dtype, np.floating):
    for start in range(0, array.shape[0], _CHECK_ROWS):
      chunk = np.asarray(array[start:start + _CHECK_ROWS])
      if not np.all(np.isfinite(chunk)):
        bad = start + int(np.argmax(~np.isfinite(chunk).reshape(len(chunk), -1).all(1)))
        raise DataError(f"{path}: contains NaN or inf (first in sample {bad})")
      if array.ndim == 4 and (chunk.min() < 0 or chunk.max() > 1):
        raise DataError(f"{path}: image values must lie in [0, 1] (or be uint8), found "
                        f"[{chunk.min():.3g}, {chunk.max():.3g}]")
  elif array.ndim == 2 or array.dtype != np.uint8:
    if array.ndim == 4:
      raise DataError(f"{path}: integer images must be uint8, got {array.dtype}")
  return array


class ArraySource(base.Source):
  """Samples drawn uniformly from the rows of a train or test array.

  Args:
    train_path: `.npy` with the training samples.
    test_path: optional `.npy` with held-out samples; without it, a seeded random
      `test_fraction` of the training rows is held out (and never drawn for training).
    split_seed: seed of that split.
  """

  def __init__(self, train_path: str, test_path: Optional[str] = None,
               test_fraction: float = 0.1, split_seed: int = 0):
    train = load_samples(train_path)
    self.paths = {"train": train_path, "test": test_path}
    self.test_fraction, self.split_seed = float(test_fraction), int(split_seed)
    if test_path:
      test = load_samples(test_path)
      if test.shape[1:] != train.shape[1:]:
        raise DataError(f"{test_path}: sample shape {test.shape[1:]} differs from "
                        f"{train_path}'s {train.shape[1:]}")
      self._arrays = {"train": train, "test": test}
      self._rows = {"train": np.arange(len(train)), "test": np.arange(len(test))}
    else:
      if len(train) < 2:
        raise DataError(f"{train_path}: need at least 2 samples to hold some out for testing")
      n_test = max(1, int(round(test_fraction * len(train))))
      order = np.random.default_rng(split_seed).permutation(len(train))
      self._arrays = {"train": train, "test": train}
      self._rows = {"train": np.sort(order[n_test:]), "test": np.sort(order[:n_test])}
    self.event_shape = tuple(train.shape[1:])
    self.name = f"npy-{'x'.join(map(str, self.event_shape))}"
    self._scale = 1.0 / 255.0 if train.dtype == np.uint8 else 1.0

  @property
  def size(self):
    return {split: len(rows) for split, rows in self._rows.items()}

  @property
  def held_out_samples(self):
    return len(self._rows["test"])

  def rows(self, split: str, start: int = 0, stop: Optional[int] = None) -> np.ndarray:
    """Samples `start:stop` of a split in file order, float32 (for full-pass evaluation)."""
    index = self._rows[split][start:stop]
    return np.asarray(self._arrays[split][index], np.float32) * self._scale

  def _sample(self, batch_size, seed, split):
    rows = self._rows[split]
    pick = tf.random.stateless_uniform([batch_size], seed, 0, len(rows), dtype=tf.int64).numpy()
    return self._read(split, pick)

  def _read(self, split, pick):
    """Rows `pick` (indices into the split) as a float32 tensor, in the order of `pick`."""
    # Sorted reads are sequential on a memory-mapped file; the order is restored after.
    order = np.argsort(pick, kind="stable")
    batch = np.empty((len(pick),) + self.event_shape, np.float32)
    batch[order] = self._arrays[split][self._rows[split][pick[order]]]
    return tf.constant(batch * np.float32(self._scale))

  def test_batches(self, k, num_batches, seed):
    """Disjoint batches of held-out rows: a seeded permutation of the rows, cut into k's."""
    self._check_held_out(k, num_batches)
    permutation = base.numpy_rng(seed, base.SPLITS["test"]).permutation(self.held_out_samples)
    return base.Batches(num_batches, lambda j: self._read("test", permutation[j * k:(j + 1) * k]))

  @functools.cached_property
  def _content(self) -> dict:
    """What defines the distribution: the files' bytes and, without a test file, the split."""
    content = {"train_sha256": base.file_sha256(self.paths["train"])}
    if self.paths["test"]:
      content["test_sha256"] = base.file_sha256(self.paths["test"])
    else:
      content.update(test_fraction=self.test_fraction, split_seed=self.split_seed)
    return content

  def describe(self):
    # Content, not paths: the same bytes under another path are the same source.
    return dict(super().describe(), kind="npy", **self._content)
