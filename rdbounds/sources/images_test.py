"""Image folders: disjoint, non-overlapping evaluation crops, and identity by content."""

import os
import shutil

import numpy as np
from PIL import Image
import tensorflow as tf

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


if __name__ == "__main__":
  tf.test.main()
