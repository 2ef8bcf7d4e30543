"""Where the pretrained photo model is and what it covers, read without TensorFlow.

The file itself (`pretrained.save` writes it, `pretrained.load` rebuilds the model) is a
`.npz` whose `sizes` entry holds the model's sizes and its grid of lambdas per pixel and
whose `metadata` entry holds the training's record; this module reads those two only, so a
sweep can check a plan against the grid and name the file's content in a job's identity
before TensorFlow loads.
"""

import hashlib
import json
import os
from typing import Tuple

import numpy as np

from rdbounds.sources.npy_files import DataError

# `--ub_pretrained=shipped`: the model in data/, relative to the repository root.
SHIPPED_NAME = "shipped"
SHIPPED = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "data", "photo_upper_bound.npz")


def resolve(name: str) -> str:
  """The file `name` designates: `SHIPPED` for "shipped", else `name` as a path.

  Raises:
    DataError when there is no such file.
  """
  path = SHIPPED if name == SHIPPED_NAME else name
  if not os.path.isfile(path):
    shipped = " (the shipped model: is data/ complete?)" if name == SHIPPED_NAME else ""
    raise DataError(f"{path}: no such pretrained photo model file{shipped}")
  return path


def header(path: str) -> Tuple[dict, dict]:
  """`(sizes, metadata)` of a model file. Raises `DataError` for a file that is not one."""
  try:
    with np.load(path, allow_pickle=False) as archive:
      return json.loads(str(archive["sizes"])), json.loads(str(archive["metadata"]))
  except FileNotFoundError:
    raise DataError(f"{path}: no such pretrained photo model file") from None
  except Exception as e:
    raise DataError(f"{path}: not a pretrained photo model ({type(e).__name__}: {e})") from None


def sha256(path: str) -> str:
  """The file's content hash (a job evaluating it is identified by it, not by its path)."""
  with open(path, "rb") as f:
    return hashlib.sha256(f.read()).hexdigest()
