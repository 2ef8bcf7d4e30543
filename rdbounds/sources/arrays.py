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
from rdbounds.sources import npy_files


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
    train, test = npy_files.load_train_and_test(train_path, test_path)
    self.paths = {"train": train_path, "test": test_path}
    self.test_fraction, self.split_seed = float(test_fraction), int(split_seed)
    if test is not None:
      self._arrays = {"train": train, "test": test}
      self._rows = {"train": np.arange(len(train)), "test": np.arange(len(test))}
    else:
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
