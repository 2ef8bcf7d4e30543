"""Arrays saved for a run are named by the hash the npy source puts into every job id."""

import os

import numpy as np
import pytest

from rdbounds.api import samples
from rdbounds.sources import arrays


def test_an_array_and_the_same_array_saved_by_the_user_are_one_source(tmp_path):
  x = np.random.default_rng(0).normal(size=(300, 3))
  saved = samples.save(samples.as_samples(x, "data"), str(tmp_path / "run"), "train")
  np.save(tmp_path / "mine.npy", x)
  ours = arrays.ArraySource(saved).describe()
  theirs = arrays.ArraySource(str(tmp_path / "mine.npy")).describe()
  assert ours == theirs
  assert os.path.basename(saved) == f"train-{ours['train_sha256'][:16]}.npy"
  # The same values in Fortran order are the same samples (and the same file, not rewritten).
  before = os.stat(saved).st_mtime_ns
  again = samples.save(samples.as_samples(np.asfortranarray(x), "data"), str(tmp_path / "run"),
                       "train")
  assert again == saved and os.stat(saved).st_mtime_ns == before
  other = samples.save(samples.as_samples(x[:-1], "data"), str(tmp_path / "run"), "train")
  assert other != saved


@pytest.mark.parametrize("value, message", [
    ("x.npy", "data: expected an array of samples, got str"),
    (np.array([["a", "b"]]), "data: dtype <U1 is not numeric"),
    (np.zeros((0, 2)), "data: empty array of shape (0, 2)"),
    (np.full((4, 2, 2, 1), 3, np.int64), "data: integer images must be uint8, got int64"),
])
def test_unusable_values_are_refused_in_one_line(value, message):
  with pytest.raises(ValueError) as raised:
    samples.as_samples(value, "data")
  assert str(raised.value) == message
