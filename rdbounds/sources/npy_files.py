"""Validation of `.npy` sample files with numpy alone, so a bad file is refused before
TensorFlow loads (a one-line `DataError` naming the file and the problem).

A file that passed is remembered by (path, size, modification time): the source built from
it afterwards does not scan it for NaN a second time.
"""

import os
from typing import Optional, Tuple

import numpy as np

_CHECK_ROWS = 1 << 16  # Rows per chunk when scanning a memory-mapped file for NaN/inf.
_VALIDATED = set()  # (path, size, mtime_ns) of files whose values passed the scan.


class DataError(ValueError):
  """A data file that cannot be used; the message names the file and the problem."""


def _open(path: str) -> np.ndarray:
  try:
    array = np.load(path, mmap_mode="r", allow_pickle=False)
  except FileNotFoundError:
    raise DataError(f"{path}: no such file") from None
  except IsADirectoryError:
    raise DataError(f"{path}: is a directory, not a .npy file") from None
  except ValueError as e:  # e.g. object arrays, which need pickle.
    raise DataError(f"{path}: not a numeric .npy array ({e})") from None
  except Exception as e:  # pylint: disable=broad-except
    raise DataError(f"{path}: not a readable .npy file ({type(e).__name__}: {e})") from None
  if not isinstance(array, np.ndarray):
    raise DataError(f"{path}: holds {type(array).__name__}, expected one array (not an .npz archive)")
  return array


def _check_layout(name: str, array: np.ndarray) -> None:
  """dtype, rank, size, and uint8 for integer images: what the header alone tells."""
  if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
    raise DataError(f"{name}: dtype {array.dtype} is not numeric")
  if array.ndim not in (2, 4):
    raise DataError(f"{name}: rank {array.ndim} with shape {array.shape}; expected [N, n] or [N, H, W, C]")
  if array.shape[0] == 0 or array.size == 0:
    raise DataError(f"{name}: empty array of shape {array.shape}")
  if array.ndim == 4 and np.issubdtype(array.dtype, np.integer) and array.dtype != np.uint8:
    raise DataError(f"{name}: integer images must be uint8, got {array.dtype}")


def _check_values(name: str, array: np.ndarray) -> None:
  """NaN/inf, and the range of float images, scanned in chunks (the file may not fit in memory)."""
  for start in range(0, array.shape[0], _CHECK_ROWS):
    chunk = np.asarray(array[start:start + _CHECK_ROWS])
    if not np.all(np.isfinite(chunk)):
      bad = start + int(np.argmax(~np.isfinite(chunk).reshape(len(chunk), -1).all(1)))
      raise DataError(f"{name}: contains NaN or inf (first in sample {bad})")
    if array.ndim == 4 and (chunk.min() < 0 or chunk.max() > 1):
      raise DataError(f"{name}: image values must lie in [0, 1] (or be uint8), found "
                      f"[{chunk.min():.3g}, {chunk.max():.3g}]")


def check_samples(array: np.ndarray, name: str) -> None:
  """Raises `DataError` (one line, starting with `name`) unless `array` holds usable samples:
  numeric, `[N, n]` or `[N, H, W, C]`, not empty, finite, images in [0, 1] or uint8.

  The checks of a `.npy` file (`load_samples`), for an array in memory (or memory-mapped: it
  is scanned in chunks of rows).
  """
  _check_layout(name, array)
  if np.issubdtype(array.dtype, np.floating):
    _check_values(name, array)


def load_samples(path: str) -> np.ndarray:
  """Memory-maps and validates one `.npy` file of samples `[N, n]` or `[N, H, W, C]`.

  Raises:
    DataError: missing or unreadable file, non-numeric dtype, wrong rank, no samples, NaN or
      inf, float images outside [0, 1], integer images other than uint8.
  """
  array = _open(path)
  _check_layout(path, array)
  if np.issubdtype(array.dtype, np.floating):
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _VALIDATED:
      _check_values(path, array)
      _VALIDATED.add(key)
  return array


def load_train_and_test(train_path: str, test_path: Optional[str]
                        ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
  """The validated arrays of an npy source; the test file's samples must have the training
  file's shape, and without a test file the training file must hold at least 2 samples (some
  are held out).

  Raises:
    DataError (one line).
  """
  train = load_samples(train_path)
  if not test_path:
    if len(train) < 2:
      raise DataError(f"{train_path}: need at least 2 samples to hold some out for testing")
    return train, None
  test = load_samples(test_path)
  if test.shape[1:] != train.shape[1:]:
    raise DataError(f"{test_path}: sample shape {test.shape[1:]} differs from "
                    f"{train_path}'s {train.shape[1:]}")
  return train, test
