"""A folder of PNG/JPEG images, sampled as random square crops with values in [0, 1].

The train/test split is by *file* (a seeded random `test_fraction` of the files, at least one, is
held out), so no test crop shares pixels with a training crop. A crop is uniform over all
(file, position) pairs of its split: files contribute in proportion to their number of crop
positions. All images are decoded once, at construction, into one flat uint8 buffer; a batch
is a single vectorized gather from it. Grey-scale, palette and RGBA files are converted to RGB
(alpha dropped), or to grey-scale with `channels=1`.

Evaluation draws (`test_batches`) take non-overlapping crops without replacement: each
held-out image is cut into a grid of `crop x crop` tiles (from its top-left corner), and no
tile is in two batches, so no two evaluation samples share a pixel.
"""

import functools
import os
from typing import Optional

import numpy as np
import tensorflow as tf
from PIL import Image

from rdbounds.sources import base
from rdbounds.sources.npy_files import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def list_images(directory: str) -> list:
  """Sorted paths of the PNG/JPEG files directly in `directory`. Raises `DataError`."""
  if not os.path.isdir(directory):
    raise DataError(f"{directory}: not a directory of images")
  paths = sorted(os.path.join(directory, f) for f in os.listdir(directory)
                 if f.lower().endswith(IMAGE_EXTENSIONS)
                 and os.path.isfile(os.path.join(directory, f)))
  if not paths:
    raise DataError(f"{directory}: no PNG or JPEG files (extensions {', '.join(IMAGE_EXTENSIONS)})")
  return paths


def read_image(path: str, channels: int = 3, min_size: int = 1) -> np.ndarray:
  """Decodes one file to a uint8 `[H, W, channels]` array. Raises `DataError` naming the file."""
  try:
    with Image.open(path) as image:
      image = image.convert("RGB" if channels == 3 else "L")
      pixels = np.asarray(image, np.uint8)
  except Exception as e:  # PIL raises UnidentifiedImageError, OSError, SyntaxError, ...
    raise DataError(f"{path}: not a readable PNG/JPEG image ({type(e).__name__})") from None
  pixels = pixels.reshape(pixels.shape[:2] + (channels,))
  height, width = pixels.shape[:2]
  if min(height, width) < min_size:
    raise DataError(f"{path}: image is {width}x{height} pixels, smaller than the "
                    f"{min_size}x{min_size} crop")
  return pixels


class ImageFolderSource(base.Source):
  """Random `crop x crop` crops of the images in a folder.

  Args:
    directory: folder of `.png`/`.jpg`/`.jpeg` files (not searched recursively); at least 2.
    crop: side of the square crops in pixels.
    test_fraction: fraction of the files held out for the test split (at least one file).
    split_seed: seed of the split by file.
    channels: 3 (RGB) or 1 (grey-scale).
    test_directory: a folder of held-out files: then every file of `directory` is trained on
      and every file of this one held out (`test_fraction` and `split_seed` unused).

  Attributes:
    files: {"train": [paths], "test": [paths]}.
  """

  def __init__(self, directory: str, crop: int = 32, test_fraction: float = 0.1,
               split_seed: int = 0, channels: int = 3, test_directory: Optional[str] = None):
    crop, channels = int(crop), int(channels)
    if crop < 1:
      raise ValueError(f"crop must be positive, got {crop}")
    if channels not in (1, 3):
      raise ValueError(f"channels must be 1 or 3, got {channels}")
    if not 0 < test_fraction < 1:
      raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    paths = list_images(directory)
    if test_directory is not None:
      held_out = list_images(test_directory)
      index = {"train": np.arange(len(paths)), "test": len(paths) + np.arange(len(held_out))}
      paths = paths + held_out
    elif len(paths) < 2:
      raise DataError(f"{directory}: holds 1 image; the split by file needs at least 2")
    else:
      n_test = min(len(paths) - 1, max(1, int(round(test_fraction * len(paths)))))
      order = np.random.default_rng(split_seed).permutation(len(paths))
      index = {"train": np.sort(order[n_test:]), "test": np.sort(order[:n_test])}
    images = [read_image(p, channels, crop) for p in paths]

    self.directory, self.test_directory = directory, test_directory
    self.paths = paths
    self.crop = crop
    self.split_seed, self.test_fraction = int(split_seed), float(test_fraction)
    self.event_shape = (crop, crop, channels)
    self.name = f"images-{os.path.basename(os.path.normpath(directory))}-crop={crop}"
    self.files = {s: [paths[i] for i in ix] for s, ix in index.items()}
    # Per split: one flat uint8 buffer and, per file, its offset, height, width, and the
    # cumulative number of crop positions (for sampling uniformly over (file, position)).
    self._splits = {}
    for split, ix in index.items():
      chosen = [images[i] for i in ix]
      sizes = np.array([im.shape[:2] for im in chosen], np.int64)  # [F, 2]
      offsets = np.concatenate([[0], np.cumsum([im.size for im in chosen])[:-1]])
      positions = (sizes[:, 0] - crop + 1) * (sizes[:, 1] - crop + 1)
      self._splits[split] = dict(
          buffer=np.concatenate([im.reshape(-1) for im in chosen]),
          offsets=offsets.astype(np.int64), heights=sizes[:, 0], widths=sizes[:, 1],
          cumulative=np.cumsum(positions))

  @property
  def num_files(self) -> dict:
    """{"train": number of training files, "test": number of held-out files}."""
    return {s: len(f) for s, f in self.files.items()}

  def _split_tensors(self, split: str) -> dict:
    """The split's tables as tensors, created eagerly once (compiled draws capture them)."""
    cache = self.__dict__.setdefault("_tensors", {})
    if split not in cache:
      data = self._splits[split]
      with tf.init_scope():  # Eager even when first reached inside a tf.function.
        cache[split] = dict(
            buffer=tf.constant(data["buffer"]),
            offsets=tf.constant(data["offsets"], tf.int64),
            widths=tf.constant(data["widths"], tf.int64),
            cumulative=tf.constant(data["cumulative"], tf.int64),
            starts=tf.constant(np.concatenate([[0], data["cumulative"][:-1]]), tf.int64))
    return cache[split]

  def _sample(self, batch_size, seed, split):
    # TF ops only, so that the trainer can compile training draws.
    tables = self._split_tensors(split)
    total = int(self._splits[split]["cumulative"][-1])
    # One uniform index over all (file, position) pairs of the split, decoded into
    # file, top and left (int64: the count can exceed 2^31 for big folders).
    pick = tf.random.stateless_uniform([batch_size], seed, 0, total, dtype=tf.int64)
    file = tf.searchsorted(tables["cumulative"], pick, side="right", out_type=tf.int64)  # [B]
    within = pick - tf.gather(tables["starts"], file)
    free_width = tf.gather(tables["widths"], file) - self.crop + 1
    return self._crops(tables, file, within // free_width, within % free_width)

  @functools.cached_property
  def _test_tiles(self) -> np.ndarray:
    """`[T, 3]` int64 (file, top, left) of the non-overlapping tiles of the held-out files."""
    data, crop = self._splits["test"], self.crop
    tiles = []
    for file, (height, width) in enumerate(zip(data["heights"], data["widths"])):
      top, left = np.meshgrid(np.arange(height // crop) * crop, np.arange(width // crop) * crop,
                              indexing="ij")
      tiles.append(np.stack([np.full(top.size, file), top.ravel(), left.ravel()], axis=1))
    return np.concatenate(tiles).astype(np.int64)

  @property
  def held_out_samples(self):
    return len(self._test_tiles)

  def test_batches(self, k, num_batches, seed):
    """Disjoint batches of held-out tiles: a seeded permutation of the tiles, cut into k's."""
    self._check_held_out(k, num_batches)
    order = base.numpy_rng(seed, base.SPLITS["test"]).permutation(self.held_out_samples)
    tiles = self._test_tiles

    def batch(j):
      file, top, left = tiles[order[j * k:(j + 1) * k]].T
      return self._crops(self._split_tensors("test"), tf.constant(file), tf.constant(top),
                         tf.constant(left))

    return base.Batches(num_batches, batch)

  def _crops(self, tables, file, top, left):
    """Crops `[B, crop, crop, C]` in [0, 1] at int64 `[B]` file indices and top-left corners."""
    width = tf.gather(tables["widths"], file)
    channels = self.event_shape[2]
    span = tf.range(self.crop, dtype=tf.int64)
    rows, cols = top[:, None] + span, left[:, None] + span  # [B, crop]
    flat = (tf.gather(tables["offsets"], file)[:, None, None, None]
            + (rows[:, :, None, None] * width[:, None, None, None] + cols[:, None, :, None])
            * channels
            + tf.range(channels, dtype=tf.int64))  # [B, crop, crop, C]
    return tf.cast(tf.gather(tables["buffer"], flat), tf.float32) * (1.0 / 255.0)

  @functools.cached_property
  def _files_sha256(self) -> str:
    return base.files_sha256(self.files["train"] + self.files["test"])

  def held_out_files(self):
    return [os.path.relpath(path, self.test_directory or self.directory)
            for path in self.files["test"]]

  has_whole_images = True

  def held_out_images(self):
    data = self._splits["test"]
    channels = self.event_shape[2]
    return [data["buffer"][offset:offset + height * width * channels]
            .reshape(height, width, channels).astype(np.float32) / 255.0
            for offset, height, width in zip(data["offsets"], data["heights"], data["widths"])]

  def with_crop(self, crop: int) -> "ImageFolderSource":
    """The same files and split, sampled as `crop x crop` crops (e.g. larger training crops
    for a fully convolutional model)."""
    return ImageFolderSource(self.directory, crop, self.test_fraction, self.split_seed,
                             self.event_shape[2], self.test_directory)

  def describe(self):
    # Content, not the folder's location: the same files elsewhere are the same source
    # (the name holds the folder's base name). File names count: the split by file
    # follows their sorted order.
    split = (dict(test_files_sha256=base.files_sha256(self.files["test"]))
             if self.test_directory else
             dict(test_fraction=self.test_fraction, split_seed=self.split_seed))
    return dict(super().describe(), kind="images", files_sha256=self._files_sha256,
                crop=self.crop, files={s: len(f) for s, f in self.files.items()}, **split)
