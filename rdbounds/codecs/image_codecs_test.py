"""Image codecs (Pillow) on a tiny synthetic source of smooth random images."""

import numpy as np
import pytest
import tensorflow as tf

from rdbounds.codecs import base
from rdbounds.codecs import hyperprior
from rdbounds.codecs import ntc_image
from rdbounds.codecs import pillow
from rdbounds import estimators
from rdbounds.codecs import config as codec_config
from rdbounds.sources import base as sources_base


class SmoothImages(sources_base.Source):
  """Bicubic upsamplings of 4x4 Gaussian noise, squashed into [0, 1]: smooth, compressible."""

  def __init__(self, size=32, channels=3):
    self.event_shape = (size, size, channels)
    self.name = f"smooth-{size}x{size}x{channels}"

  def _sample(self, batch_size, seed, split):
    del split
    coarse = tf.random.stateless_normal([batch_size, 4, 4, self.event_shape[2]], seed=seed)
    fine = tf.image.resize(coarse, self.event_shape[:2], method="bicubic")
    return tf.sigmoid(1.5 * fine)


# Low and high settings that differ on 32x32 crops. JPEG 2000's rate targets count its
# ~220 header bytes (1.7 bpp of a 32x32 crop): lower targets all give the same smallest file.
_CROP_SETTINGS = {"jpeg": (10, 85), "webp": (10, 85), "jpeg2000": (3.0, 6.0)}


class PillowCodecTest(tf.test.TestCase):

  def test_round_trip_shapes_and_one_bitstream_per_image(self):
    source = SmoothImages(channels=1)
    x = source.sample(5, seed=0).numpy()
    for kind in ("jpeg", "webp", "jpeg2000"):
      codec = pillow.PillowCodec(kind, _CROP_SETTINGS[kind][1], source.event_shape)
      bitstreams = codec.encode(x)
      self.assertLen(bitstreams, 5)
      decoded = codec.decode(bitstreams)
      self.assertEqual(decoded.shape, x.shape)
      self.assertLess(np.mean(np.square(decoded - x)), 0.01, msg=kind)

  def test_higher_quality_gives_more_bits_and_higher_psnr(self):
    source = SmoothImages()
    for kind in ("jpeg", "webp", "jpeg2000"):
      low, high = _CROP_SETTINGS[kind]
      points = [base.measure(pillow.PillowCodec(kind, q, source.event_shape), source,
                             n_eval=16, block_size=8) for q in (low, high)]
      self.assertGreater(points[1].bpp, points[0].bpp, msg=kind)
      self.assertGreater(points[1].psnr_db, points[0].psnr_db + 3.0, msg=kind)

  def test_bpp_is_the_byte_count_of_the_files(self):
    source = SmoothImages()
    codec = pillow.PillowCodec("jpeg", 50, source.event_shape)
    record = base.measure(codec, source, n_eval=8, block_size=8, seed=3)
    x = source.sample(8, seed=(3, 0), split="test").numpy()
    total_bytes = sum(len(b) for b in codec.encode(x))
    self.assertNear(record.bpp, 8 * total_bytes / 8 / (32 * 32), 1e-9)
    self.assertEqual(record.estimator, "codec:jpeg")
    self.assertIsNone(record.lmbda)

  def test_image_codecs_apply_to_images_and_vector_codecs_to_vectors(self):
    from rdbounds.sources import make_source
    def applicable(source):
      return {e.name for e in estimators.all_estimators()
              if e.name.startswith("codec:") and e.not_applicable(source) is None}
    self.assertContainsSubset({"codec:ntc", "codec:hyperprior", "codec:jpeg", "codec:webp",
                               "codec:jpeg2000"}, applicable(SmoothImages()))
    self.assertNotIn("codec:scalar", applicable(SmoothImages()))
    self.assertEqual({"codec:scalar", "codec:ntc"}, applicable(make_source("gaussian", dim=2)))
    self.assertIn("divisible by 8", estimators.get("codec:hyperprior").not_applicable(
        SmoothImages(size=12)))


class _LearnedImageCodecChecks:
  """Round-trip and rate checks shared by the learned image codecs; subclasses set `codec`.

  `overhead_bytes`: what may separate the measured bitstream from the model's bits per image
  (the image's size, range-coder termination, plus a length prefix where a bitstream holds
  two streams).
  """
  overhead_bytes = 6  # The image's size (2 bytes here) + the range coder's termination.

  def test_round_trip_is_bit_exact_with_one_bitstream_per_image(self):
    x = self.source.sample(5, seed=2, split="test").numpy()
    bitstreams = self.codec.encode(x)
    self.assertLen(bitstreams, 5)
    self.assertAllEqual(self.codec.decode(bitstreams), self.codec.reconstruct(x))

  def test_measured_rate_is_the_model_rate_plus_a_few_bytes(self):
    x = self.source.sample(6, seed=3, split="test").numpy()
    measured = np.array([8 * len(b) for b in self.codec.encode(x)])
    model = self.codec.model_bits(x)
    self.assertAllGreaterEqual(measured - model, 0.0)
    self.assertAllLessEqual(measured - model, 8 * self.overhead_bytes)


@pytest.mark.slow  # trains an image codec (~20 s): `make test-slow` (CI runs it)
class HyperpriorTest(_LearnedImageCodecChecks, tf.test.TestCase):
  overhead_bytes = 8  # The size, varint(len z) + the termination of two streams.

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.source = SmoothImages(size=16)
    config = codec_config.HyperpriorCodecConfig(filters=8, latent_channels=8, hyper_channels=4,
                                                steps=20, batch_size=4, learning_rate=3e-3)
    cls.codec = hyperprior.train_hyperprior(cls.source, 3000.0, config, seed=1)

  def test_measured_record_has_bpp_and_psnr(self):
    record = base.measure(self.codec, self.source, n_eval=8, block_size=8)
    self.assertEqual(record.estimator, "codec:hyperprior")
    self.assertEqual(record.lmbda, 3000.0)
    self.assertGreater(record.bpp, 0.0)
    self.assertAllInRange(record.psnr_db, 5.0, 60.0)


class _Killed(Exception):
  pass


@pytest.mark.slow  # trains an image codec twice (tens of seconds): `make test-slow` (CI runs it)
class KilledTrainingTest(tf.test.TestCase):

  def test_a_killed_codec_training_resumes_from_its_last_checkpoint(self):
    config = codec_config.HyperpriorCodecConfig(filters=4, latent_channels=4, hyper_channels=2,
                                                steps=2000, batch_size=2)

    def kill_at_1500(line):
      if "step 1500/2000" in line:
        raise _Killed(line)

    workdir = self.get_temp_dir()
    with self.assertRaises(_Killed):
      hyperprior.train_hyperprior(SmoothImages(size=16), 100.0, config, workdir=workdir,
                                  log=kill_at_1500)
    lines = []
    codec = hyperprior.train_hyperprior(SmoothImages(size=16), 100.0, config, workdir=workdir,
                                        log=lines.append)
    self.assertTrue(any("resumed from checkpoint at step 1000" in line for line in lines), lines)
    self.assertEqual(codec.steps, 2000)


@pytest.mark.slow  # trains an image codec (~20 s): `make test-slow` (CI runs it)
class ImageNTCTest(_LearnedImageCodecChecks, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.source = SmoothImages(size=16)
    config = codec_config.NTCCodecConfig(filters=8, latent_channels=8, steps=20, batch_size=4,
                                         learning_rate=3e-3)
    cls.codec = ntc_image.train_image_ntc(cls.source, 3000.0, config, seed=1)


if __name__ == "__main__":
  tf.test.main()
