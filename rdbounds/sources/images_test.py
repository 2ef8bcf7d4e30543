"""Image folders: the split by file, crops, refused folders, disjoint non-overlapping evaluation
crops, and identity by content."""

import os
import shutil
import tempfile

import numpy as np
from PIL import Image
import tensorflow as tf

from rdbounds import sources
from rdbounds.sources import images


def _write_images(directory, sizes):
  """PNGs whose red channel is 10 x (file number + 1), green the row, blue the column."""
  os.makedirs(directory, exist_ok=True)
  for i, (h, w) in enumerate(sizes):
    pixels = np.zeros([h, w, 3], np.uint8)
    pixels[..., 0] = 10 * (i + 1)
    pixels[..., 1] = np.arange(h)[:, None]
    pixels[..., 2] = np.arange(w)[None, :]
    Image.fromarray(pixels).save(os.path.join(directory, f"im{i}.png"))


class ImageEvaluationDrawsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.dir = os.path.join(self.get_temp_dir(), "folder")
    self.sizes = [(20, 30), (24, 24), (16, 40), (30, 18), (12, 12), (40, 40)]
    _write_images(self.dir, self.sizes)
    self.source = images.ImageFolderSource(self.dir, crop=8, test_fraction=0.5, split_seed=1)

  def test_batches_are_distinct_non_overlapping_tiles_of_held_out_files(self):
    # The files config.json names as held out are the ones evaluation crops come from.
    held_out = [int(name[2:-4]) for name in self.source.held_out_files()]
    tiles = sum((self.sizes[i][0] // 8) * (self.sizes[i][1] // 8) for i in held_out)
    self.assertEqual(self.source.held_out_samples, tiles)
    k = 4
    count = tiles // k
    batches = self.source.test_batches(k, count, seed=3)
    x = np.round(np.concatenate([batches[j].numpy() for j in range(count)]) * 255).astype(int)
    file, top, left = x[:, 0, 0, 0] // 10 - 1, x[:, 0, 0, 1], x[:, 0, 0, 2]
    self.assertContainsSubset(set(file), set(held_out))
    # Each crop is the window at its corner, the corners lie on the crop grid, and no
    # tile is drawn twice: no two evaluation samples share a pixel.
    self.assertAllEqual(x[..., 1] - top[:, None, None], np.broadcast_to(np.arange(8)[:, None], x.shape[:3]))
    self.assertAllEqual(x[..., 2] - left[:, None, None], np.broadcast_to(np.arange(8), x.shape[:3]))
    self.assertAllEqual(top % 8, np.zeros_like(top))
    self.assertAllEqual(left % 8, np.zeros_like(left))
    self.assertLen(set(zip(file, top, left)), count * k)
    with self.assertRaisesRegex(ValueError, f"{count + 1} disjoint batches of {k} need"):
      self.source.test_batches(k, count + 1, seed=3)

  def test_held_out_images_are_the_held_out_files_whole(self):
    held_out = [int(name[2:-4]) for name in self.source.held_out_files()]
    whole = self.source.held_out_images()
    self.assertEqual([im.shape[:2] for im in whole], [self.sizes[i] for i in held_out])
    for i, image in zip(held_out, whole):
      pixels = np.round(image * 255).astype(int)
      self.assertAllEqual(pixels[..., 0], np.full(self.sizes[i], 10 * (i + 1)))
      self.assertAllEqual(pixels[..., 2], np.broadcast_to(np.arange(self.sizes[i][1]), self.sizes[i]))
    # Larger training crops keep the split: a crop of the 16-pixel view is from a training file.
    bigger = self.source.with_crop(12)
    self.assertEqual(bigger.files, self.source.files)
    file = np.round(bigger.sample(64, seed=0).numpy()[:, 0, 0, 0] * 255).astype(int) // 10 - 1
    self.assertNoCommonElements(set(file), set(held_out))

  def test_a_folder_of_held_out_files_holds_out_exactly_those(self):
    test_dir = os.path.join(self.get_temp_dir(), "held_out")
    _write_images(test_dir, [(16, 16), (24, 16)])
    source = images.ImageFolderSource(self.dir, crop=8, test_directory=test_dir)
    self.assertEqual(source.held_out_files(), ["im0.png", "im1.png"])
    self.assertEqual(source.num_files, {"train": 6, "test": 2})
    self.assertEqual(source.held_out_samples, 2 * 2 + 3 * 2)
    self.assertEqual([im.shape for im in source.held_out_images()], [(16, 16, 3), (24, 16, 3)])
    # Training crops come from every file of the data folder (6 files, told apart by red).
    crops = np.round(source.with_crop(8).sample(400, seed=0).numpy() * 255).astype(int)
    self.assertEqual(set(crops[:, 0, 0, 0] // 10 - 1), set(range(6)))
    self.assertNotEqual(source.describe(), self.source.describe())

  def test_description_is_the_files_content_not_the_folder(self):
    # The folder's base name is in the source's name (the CSV's source column), its
    # location is not.
    copy = os.path.join(self.get_temp_dir(), "elsewhere", "folder")
    shutil.copytree(self.dir, copy)
    described = self.source.describe()
    self.assertEqual(images.ImageFolderSource(copy, crop=8, test_fraction=0.5,
                                              split_seed=1).describe(), described)
    self.assertNotIn(self.dir, str(described))
    pixels = np.asarray(Image.open(os.path.join(copy, "im2.png"))).copy()
    pixels[0, 0, 0] += 1
    Image.fromarray(pixels).save(os.path.join(copy, "im2.png"))
    self.assertNotEqual(images.ImageFolderSource(copy, crop=8, test_fraction=0.5,
                                                 split_seed=1).describe(), described)


def _tempdir(test):
  path = tempfile.mkdtemp()
  test.addCleanup(shutil.rmtree, path, ignore_errors=True)
  return path


class ImageFolderTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.dir = _tempdir(self)
    self.sizes = [(20, 30), (24, 24), (16, 40), (30, 18), (12, 12), (40, 40), (22, 26), (18, 18),
                  (26, 14), (32, 20)]
    _write_images(self.dir, self.sizes)

  def test_crops_have_shape_range_and_are_windows_of_one_file(self):
    source = sources.make_source("images", data=self.dir, crop=8, seed=1)
    self.assertEqual(source.event_shape, (8, 8, 3))
    x = source.sample(64, seed=5).numpy()
    self.assertEqual(x.shape, (64, 8, 8, 3))
    self.assertAllInRange(x, 0.0, 1.0)
    pixels = np.round(x * 255).astype(int)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    self.assertTrue(np.all(red == red[:, :1, :1]))  # One file per crop.
    self.assertAllEqual(green - green[:, :1, :1], np.broadcast_to(np.arange(8)[:, None], (64, 8, 8)))
    self.assertAllEqual(blue - blue[:, :1, :1], np.broadcast_to(np.arange(8)[None, :], (64, 8, 8)))
    # Windows inside their image.
    file = red[:, 0, 0] // 10 - 1
    heights = np.array(self.sizes)[file, 0]
    widths = np.array(self.sizes)[file, 1]
    self.assertTrue(np.all(green[:, -1, 0] < heights) and np.all(blue[:, 0, -1] < widths))
    self.assertAllEqual(x, source.sample(64, seed=5))  # Stateless.

  def test_compiled_training_draws_equal_eager_draws(self):
    # The trainer compiles draws of unbounded sources; crops must be traceable TF ops.
    from rdbounds import training  # pylint: disable=g-import-not-at-top
    source = sources.make_source("images", data=self.dir, crop=8, seed=1)
    chunk = training.sample_chunk(source, 16, 3, seed=4, first_step=10)
    for i in range(3):
      self.assertAllEqual(chunk[i], source.sample(16, seed=(4, 10 + i)))

  def test_split_by_file_is_disjoint(self):
    source = images.ImageFolderSource(self.dir, crop=8, test_fraction=0.3, split_seed=2)
    self.assertEqual(source.num_files, {"train": 7, "test": 3})
    self.assertEmpty(set(source.files["train"]) & set(source.files["test"]))
    seen = {}
    for split in ("train", "test"):
      red = np.round(source.sample(500, seed=0, split=split).numpy()[:, 0, 0, 0] * 255)
      seen[split] = {os.path.join(self.dir, f"im{int(r) // 10 - 1}.png") for r in red}
      self.assertLessEqual(seen[split], set(source.files[split]))
    self.assertEqual(seen["test"], set(source.files["test"]))  # Every test file is drawn.
    # Another split seed holds out other files.
    other = images.ImageFolderSource(self.dir, crop=8, test_fraction=0.3, split_seed=3)
    self.assertNotEqual(other.files["test"], source.files["test"])

  def test_files_are_drawn_in_proportion_to_their_crop_positions(self):
    source = images.ImageFolderSource(self.dir, crop=8, test_fraction=0.3, split_seed=2)
    red = np.round(source.sample(20000, seed=1).numpy()[:, 0, 0, 0] * 255).astype(int)
    positions = {}
    for path in source.files["train"]:
      h, w = self.sizes[int(os.path.basename(path)[2:-4])]
      positions[path] = (h - 7) * (w - 7)
    total = sum(positions.values())
    for path, count in positions.items():
      i = int(os.path.basename(path)[2:-4])
      self.assertAllClose(np.mean(red == 10 * (i + 1)), count / total, atol=0.015)

  def test_grey_and_jpeg_files_become_rgb(self):
    grey = np.tile(np.arange(16, dtype=np.uint8)[None] * 10, [16, 1])
    Image.fromarray(grey, "L").save(os.path.join(self.dir, "grey.png"))
    Image.fromarray(np.full([16, 16, 3], 200, np.uint8)).save(os.path.join(self.dir, "x.JPG"))
    source = images.ImageFolderSource(self.dir, crop=8)
    self.assertLen(source.files["train"] + source.files["test"], 12)
    self.assertEqual(source.sample(4, 0).shape, (4, 8, 8, 3))

  def test_bad_files_raise_one_line_errors_naming_the_file(self):
    bad = os.path.join(self.dir, "broken.png")
    with open(bad, "wb") as f:
      f.write(b"this is not a png")
    with self.assertRaises(sources.DataError) as ctx:
      sources.make_source("images", data=self.dir, crop=8)
    self.assertIn(bad, str(ctx.exception))
    self.assertNotIn("\n", str(ctx.exception))
    os.remove(bad)
    # im4 is 12x12: too small for a 16-pixel crop.
    with self.assertRaisesRegex(sources.DataError, r"im4\.png: image is 12x12 pixels, smaller than"):
      sources.make_source("images", data=self.dir, crop=16)

  def test_bad_folders(self):
    with self.assertRaisesRegex(sources.DataError, "not a directory"):
      sources.make_source("images", data=os.path.join(self.dir, "missing"), crop=8)
    empty = _tempdir(self)
    with self.assertRaisesRegex(sources.DataError, "no PNG or JPEG"):
      sources.make_source("images", data=empty, crop=8)
    _write_images(empty, [(10, 10)])
    with self.assertRaisesRegex(sources.DataError, "at least 2"):
      sources.make_source("images", data=empty, crop=8)
    with self.assertRaisesRegex(ValueError, "--data"):
      sources.make_source("images", crop=8)


if __name__ == "__main__":
  tf.test.main()
