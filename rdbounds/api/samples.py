"""Samples in memory, as `rdbounds.sandwich` takes them, turned into an `npy` source.

A sweep's jobs rebuild their source from options, in this process or in Dask workers, so an
array cannot travel as an object: it is checked, then written once into the run folder as
`data/<role>-<hash>.npy`, named by the sha256 of the file's bytes. The `npy` source puts the
same hash into its description and so into every job id: an array gives the same jobs (and a
resumed run finds them) exactly when its bytes are those of `np.save` of the same array, in
memory or in a file passed to the command line.
"""

import hashlib
import os

import numpy as np

from rdbounds import files
from rdbounds.sources import npy_files

DATA_DIR = "data"
# Hex digits of the sha256 in a file's name: enough that two arrays never share a name.
_NAME_DIGITS = 16


class _Digest:
  """A write-only file object that hashes what `np.save` writes into it."""

  def __init__(self):
    self.sha256 = hashlib.sha256()

  def write(self, data) -> int:
    self.sha256.update(data)
    return len(data)


def as_samples(value, name: str) -> np.ndarray:
  """`value` as a C-ordered array of samples `[N, n]` or `[N, H, W, C]`.

  Raises:
    ValueError: one line starting with `name`: not numeric, wrong rank, empty, NaN or inf,
      images outside [0, 1] (floats) or not uint8 (integers).
  """
  if isinstance(value, (str, bytes, dict)):
    raise ValueError(f"{name}: expected an array of samples, got {type(value).__name__}")
  try:
    array = np.ascontiguousarray(value)
  except (TypeError, ValueError) as e:
    raise ValueError(f"{name}: not an array of samples ({e})") from None
  npy_files.check_samples(array, name)
  return array


def save(array: np.ndarray, run_dir: str, role: str) -> str:
  """Writes `array` (checked by `as_samples`) to `run_dir/data/<role>-<hash>.npy`, unless a
  file of that name (hence those bytes) is there already, and returns its absolute path."""
  digest = _Digest()
  np.save(digest, array, allow_pickle=False)
  name = f"{role}-{digest.sha256.hexdigest()[:_NAME_DIGITS]}.npy"
  path = os.path.abspath(os.path.join(run_dir, DATA_DIR, name))
  if not os.path.exists(path):
    with files.replace_atomically(path, "wb") as f:
      np.save(f, array, allow_pickle=False)
  return path
