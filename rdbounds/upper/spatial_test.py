"""The spatial upper bound: whole-image accounting, and lambda's per-pixel meaning."""

import dataclasses
import json
import os
import types
from unittest import mock
import warnings

import numpy as np
from PIL import Image
import tensorflow as tf

from rdbounds import estimators
from rdbounds import held_out_points
from rdbounds import training
from rdbounds.sources import images
from rdbounds.upper import spatial_bound
from rdbounds.upper import tradeoff
from rdbounds.upper import whole_images


def write_photo_folder(directory, pieces=4, size=160):
  """`pieces` PNG crops of scipy's `face` photograph (shipped with scipy), `size` px square."""
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from scipy import misc  # pylint: disable=g-import-not-at-top
    face = misc.face()
  os.makedirs(directory, exist_ok=True)
  for i in range(pieces):
    top, left = (i // 2) * size, (i % 2) * size + 200
    Image.fromarray(face[top:top + size, left:left + size]).save(
        os.path.join(directory, f"piece{i}.png"))
  return directory


class _ShiftModel(tf.Module):
  """Reconstructs x + 0.1 and charges 0.5 nats per input pixel (padding included)."""
  stride = 64

  def encode(self, x):
    return x, x

  def rate_and_reconstruction(self, mu, raw_sigma, seed):
    del raw_sigma, seed
    pixels = tf.cast(tf.shape(mu)[1] * tf.shape(mu)[2], tf.float32)
    return {"rate": tf.fill([tf.shape(mu)[0]], 0.5 * pixels), "y": mu + 0.1}


class WholeImageEvaluationTest(tf.test.TestCase):

  def test_padding_is_charged_and_distortion_is_on_the_image_own_pixels(self):
    # 70 x 50 pads to 128 x 64: the rate counts the padded area (and each image's grey
    # flag, ln 2 nats), the distortion does not see the padding; a 64 x 64 image needs none.
    first, second = np.full([70, 50, 3], 0.5, np.float32), np.full([64, 64, 3], 0.95, np.float32)
    ev = whole_images.evaluate(_ShiftModel(), [first, second])
    self.assertAllClose(ev.rate_per_pixel, (0.5 * (128 * 64 + 64 * 64) + 2 * np.log(2)) /
                        (70 * 50 + 64 * 64))
    # x + 0.1 clipped to [0, 1]: errors 0.1 on the first image, 0.05 on the second.
    self.assertAllClose(ev.distortion, (3500 * 0.01 + 4096 * 0.0025) / (3500 + 4096))
    self.assertEqual(ev.n_images, 2)
    # Each image's own point: the first at (0.5 x 8192 + ln 2) / 3500 nats per pixel, 20 dB.
    points = spatial_bound.per_image_points(ev, ["a.png", "b.png"], 3)
    self.assertEqual([p["file"] for p in points], ["a.png", "b.png"])
    self.assertAllClose(points[0]["bpp"], (0.5 * 8192 / np.log(2) + 1) / 3500)
    self.assertAllClose([p["psnr_db"] for p in points], [20.0, -10 * np.log10(0.0025)])


class PerImagePointsTest(tf.test.TestCase):

  def test_an_evaluation_of_another_job_model_writes_its_points_into_its_own_folder(self):
    ev = whole_images.WholeImageEvaluation(0.5, None, 0.01, None, 1, ((1200.0, 30.0, 1000),))
    trained = training.TrainingResult(steps=1, seconds=0.0, metrics={}, resumed_from=0)
    source = types.SimpleNamespace(name="photos", pixels_per_sample=64, event_shape=(8, 8, 3),
                                   held_out_files=lambda: ["a.png"])
    job = types.SimpleNamespace(lmbda=10.0, config=None, seed=0, trained_by="trained",
                                job_id="again")
    trained_dir, own_dir = (os.path.join(self.get_temp_dir(), n) for n in ("trained", "again"))
    context = estimators.JobContext(workdir=own_dir, trained_dir=trained_dir)
    with mock.patch.object(spatial_bound, "train_and_evaluate",
                           return_value=(None, trained, ev)):
      spatial_bound.run(source, job, context)
    self.assertFalse(os.path.exists(os.path.join(trained_dir, held_out_points.FILE)))
    with open(os.path.join(own_dir, held_out_points.FILE)) as f:
      point, = json.load(f)
    self.assertEqual(point["file"], "a.png")
    self.assertAllClose([point["bpp"], point["psnr_db"]], [1200 / np.log(2) / 1000, 20.0])


class SpatialUpperBoundTest(tf.test.TestCase):

  def test_a_higher_lambda_buys_lower_distortion_at_a_higher_rate(self):
    # Lambda weighs nats per *sample* (a crop x crop crop) against MSE; trained on 64 px
    # crops the model must see lambda / pixels_per_sample per pixel, or the two lambdas
    # below would land on the same side of the curve.
    folder = write_photo_folder(os.path.join(self.get_temp_dir(), "photos"))
    source = images.ImageFolderSource(folder, crop=32, test_fraction=0.25)
    config = estimators.get("upper_bound").preset("quick", image=True, photos=True)
    config = dataclasses.replace(config, steps=200)
    points = []
    for lmbda_per_pixel in (3.0, 3000.0):
      _, result, ev = spatial_bound.train_and_evaluate(
          source, config, tradeoff.PerPixelTradeoff(lmbda_per_pixel), log=lambda line: None)
      self.assertEqual((result.steps, ev.n_images), (config.steps, 1))
      points.append((ev.rate_per_pixel, ev.distortion))
    (low_rate, high_distortion), (high_rate, low_distortion) = points
    self.assertGreater(high_rate, 2 * low_rate)
    self.assertLess(low_distortion, 0.7 * high_distortion)

  def test_sources_without_whole_images_are_refused_in_one_line(self):
    config = estimators.get("upper_bound").preset("quick", image=True, photos=True)

    class Crops:
      has_whole_images = False
      name = "crops"

    with self.assertRaisesRegex(ValueError, "no whole|has none"):
      spatial_bound.train_and_evaluate(Crops(), config, tradeoff.PerPixelTradeoff(10.0))


if __name__ == "__main__":
  tf.test.main()
