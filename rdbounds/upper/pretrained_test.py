"""The pretrained photo model's file, and jobs that evaluate it."""

import io
import os
import warnings

import numpy as np
from PIL import Image
import tensorflow as tf

from rdbounds import estimators
from rdbounds import sources
from rdbounds.sources import spec as source_spec
from rdbounds.sources.npy_files import DataError
from rdbounds.upper import pretrained
from rdbounds.upper import pretrained_file
from rdbounds.upper import spatial_test
from rdbounds.upper import whole_images


def _tiny_model(grid=(200.0, 1800.0), seed=0):
  tf.keras.utils.set_random_seed(seed)
  return pretrained.build(pretrained.PRESETS["quick"].override(lambdas_per_pixel=grid))


class FileTest(tf.test.TestCase):

  def test_a_saved_model_codes_an_image_as_the_model_it_was_saved_from(self):
    model = _tiny_model()
    path = os.path.join(self.get_temp_dir(), "model.npz")
    pretrained.save(path, model, steps=7)
    loaded, metadata = pretrained.load(path)
    self.assertEqual(metadata, {"steps": 7})
    image = tf.random.stateless_uniform([1, 64, 128, 3], [1, 2])
    seed, position = tf.constant([3, 4]), tf.constant([0.5])
    before, after = model(image, seed, position), loaded(image, seed, position)
    # The file stores float16 weights: the same function up to their rounding (a variable
    # restored into the wrong place would change the output entirely).
    self.assertAllClose(after["y"], before["y"], atol=2e-3)
    self.assertAllClose(after["rate"], before["rate"], rtol=2e-3)
    self.assertEqual(pretrained_file.header(path)[0]["lambdas_per_pixel"], [200.0, 1800.0])

  def test_a_saved_grey_model_codes_the_grey_photographs_and_only_them(self):
    colour_model, grey_model = _tiny_model(seed=0), _tiny_model(seed=1)
    path = os.path.join(self.get_temp_dir(), "both.npz")
    pretrained.save(path, colour_model, grey_model, steps=7)
    self.assertIsNone(pretrained.load(self._colour_only(), part="grey")[0])
    loaded = {part: pretrained.load(path, part=part)[0].at(200.0) for part in ("colour", "grey")}
    rng = np.random.default_rng(2)
    grey_photo = np.repeat(rng.uniform(size=[64, 64, 1]), 3, -1).astype(np.float32)
    colour_photo = rng.uniform(size=[64, 64, 3]).astype(np.float32)
    both = whole_images.evaluate(loaded["colour"], [grey_photo, colour_photo],
                                 grey_model=loaded["grey"])
    # Each image's point is the one its own model gives it alone (the same seeds per index).
    grey_alone = whole_images.evaluate(loaded["grey"], [grey_photo, colour_photo])
    colour_alone = whole_images.evaluate(loaded["colour"], [grey_photo, colour_photo])
    self.assertEqual(both.per_image[0], grey_alone.per_image[0])
    self.assertEqual(both.per_image[1], colour_alone.per_image[1])
    self.assertNotEqual(both.per_image[0], colour_alone.per_image[0])

  def _colour_only(self):
    path = os.path.join(self.get_temp_dir(), "colour.npz")
    pretrained.save(path, _tiny_model())
    return path

  def test_files_that_are_not_a_model_are_refused_in_one_line(self):
    directory = self.get_temp_dir()
    not_npz = os.path.join(directory, "text.npz")
    with open(not_npz, "w") as f:
      f.write("hello")
    with self.assertRaisesRegex(DataError, "text.npz: not a pretrained photo model"):
      pretrained.load(not_npz)
    # A file whose weights belong to other sizes than it claims.
    path = os.path.join(directory, "model.npz")
    pretrained.save(path, _tiny_model())
    with np.load(path) as archive:
      entries = dict(archive)
    entries["sizes"] = np.array(str(entries["sizes"]).replace('"filters": 8', '"filters": 9'))
    np.savez(path, **entries)
    with self.assertRaisesRegex(DataError, "do not fit the model it describes"):
      pretrained.load(path)
    with self.assertRaisesRegex(DataError, "no such pretrained photo model file"):
      pretrained_file.resolve(os.path.join(directory, "missing.npz"))


class ShippedModelTest(tf.test.TestCase):

  def test_the_shipped_model_codes_a_photograph_better_than_jpeg_at_its_rate(self):
    # A 256 px crop of scipy's raccoon (fur: hard to code), not refined. Measured: 0.50 bpp
    # at 28.1 dB, where JPEG reaches 24.6 dB; a wrongly restored model lands far below.
    with warnings.catch_warnings():
      warnings.simplefilter("ignore", DeprecationWarning)
      from scipy import misc  # pylint: disable=g-import-not-at-top
      photo = misc.face()[128:384, 256:512]
    model, metadata = pretrained.load()
    self.assertIn("training_photographs", metadata)
    point = whole_images.evaluate(model.at(200.0), [photo.astype(np.float32) / 255])
    bpp, psnr = point.rate_per_pixel / np.log(2), -10 * np.log10(point.distortion)
    jpeg = []
    for quality in range(5, 100, 5):
      buffer = io.BytesIO()
      Image.fromarray(photo).save(buffer, "JPEG", quality=quality)
      decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())), np.float64)
      jpeg.append((8 * buffer.tell() / photo.shape[0] / photo.shape[1],
                   -10 * np.log10(np.mean((decoded - photo)**2) / 255**2)))
    rates, psnrs = zip(*sorted(jpeg))
    self.assertGreater(psnr, np.interp(np.log(bpp), np.log(rates), psnrs) + 2.0)


class PlanTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    folder = spatial_test.write_photo_folder(os.path.join(self.get_temp_dir(), "photos"))
    spec = source_spec.SourceSpec.from_options(kind="images", data=folder, crop=32)
    self.spec = sources.build(spec).spec
    self.path = os.path.join(self.get_temp_dir(), "model.npz")
    pretrained.save(self.path, _tiny_model())
    self.estimator = estimators.get("upper_bound")
    self.config = self.estimator.config("quick", image=True, photos=True,
                                        pretrained=self.path)

  def test_lambdas_off_the_file_grid_are_refused_before_anything_runs(self):
    # The grid is 200-1800 per pixel: 204800-1843200 per 32x32 sample.
    with self.assertRaisesRegex(ValueError, "covers lambda 204800 to 1.8432e\\+06 .* got 100000"):
      self.estimator.plan_jobs([1e5, 3e5], 0, self.config, self.spec)

  def test_a_changed_model_file_is_another_job(self):
    first, = self.estimator.plan_jobs([3e5], 0, self.config, self.spec)
    self.assertIsNone(first.warm_from)
    pretrained.save(self.path, _tiny_model(seed=1))
    second, = self.estimator.plan_jobs([3e5], 0, self.config, self.spec)
    self.assertNotEqual(first.job_id, second.job_id)


if __name__ == "__main__":
  tf.test.main()
