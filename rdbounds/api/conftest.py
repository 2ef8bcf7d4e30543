"""A small photo folder run, made once per session: the run codecs and points are added to."""

import os
import shutil

import numpy as np
from PIL import Image
import pytest

import rdbounds

# Three held-out images of unequal sizes (at least the photo model's 64-pixel crop).
HELD_OUT_SIZES = ((64, 80), (72, 64), (64, 96))
JPEG_QUALITIES = (5, 20, 50, 80, 95)


def _write_photos(directory, sizes, seed):
  """Smooth colour waves with a little noise, as PNG files p0.png, p1.png, ..."""
  rng = np.random.default_rng(seed)
  os.makedirs(directory)
  for i, (height, width) in enumerate(sizes):
    y, x = np.mgrid[0:height, 0:width]
    waves = np.stack([np.sin(x / (5 + 3 * c) + y / (7 + c) + seed) for c in range(3)], -1)
    pixels = np.clip(128 + 90 * waves + rng.normal(0, 6, waves.shape), 0, 255)
    Image.fromarray(pixels.astype(np.uint8)).save(os.path.join(directory, f"p{i}.png"))


@pytest.fixture(scope="session")
def photo_run_made(tmp_path_factory):
  """(run folder, held-out folder): a quick upper bound (300 steps at three lambdas, about
  23-24 dB) and `codec:jpeg` at `JPEG_QUALITIES`. Do not change it: copy it (`photo_run`)."""
  root = tmp_path_factory.mktemp("photos")
  _write_photos(str(root / "train"), [(80, 96), (96, 80)], seed=0)
  _write_photos(str(root / "test"), HELD_OUT_SIZES, seed=1)
  run = str(root / "run")
  rdbounds.sandwich(
      "images", estimators=["upper_bound", "codec:jpeg"], preset="quick",
      lambdas=[200 * 1024, 1800 * 1024, 16000 * 1024], out=run,
      source_options={"data": str(root / "train"), "test": str(root / "test"), "crop": 32},
      options={"upper_bound": {"steps": 300, "warm_start_steps": None, "refine_steps": 0},
               "codec:jpeg": {"qualities": list(JPEG_QUALITIES)}},
      log=lambda line: None)
  return run, str(root / "test")


@pytest.fixture
def photo_run(photo_run_made, tmp_path):
  """(run folder, held-out folder): a copy of the session's photo run, for one test."""
  made, held_out = photo_run_made
  run = str(tmp_path / "run")
  shutil.copytree(made, run)
  return run, held_out
