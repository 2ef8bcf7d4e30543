"""Learned image codecs on images of any size: shape header, padding, cropping back; and the
crops and rate units they train on."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from rdbounds.codecs import config as codec_config
from rdbounds.codecs import hyperprior
from rdbounds.codecs import learned_image
from rdbounds.codecs import ntc_image
from rdbounds.sources import base as sources_base
from rdbounds.sources import images


class _Crops(sources_base.Source):
  name = "noise-16"
  event_shape = (16, 16, 3)

  def _sample(self, batch_size, seed, split):
    return tf.random.stateless_uniform([batch_size, *self.event_shape], seed)


def _untrained(kind):
  # No training steps: coding must round-trip whatever the weights.
  if kind == "hyperprior":
    config = codec_config.HyperpriorCodecConfig(filters=4, latent_channels=4, hyper_channels=2,
                                                steps=0, batch_size=2)
    return hyperprior.train_hyperprior(_Crops(), 100.0, config)
  config = codec_config.NTCCodecConfig(filters=4, latent_channels=4, steps=0, batch_size=2)
  return ntc_image.train_image_ntc(_Crops(), 100.0, config)


@pytest.fixture(scope="module", params=["hyperprior", "ntc"])
def codec(request):
  return _untrained(request.param)


def test_images_of_any_size_decode_to_their_size_bit_exactly(codec):
  rng = np.random.default_rng(0)
  for shape in ((50, 70, 3), (300, 13, 3)):  # Neither a multiple of the stride.
    image = rng.uniform(size=shape).astype(np.float32)
    bitstream = codec.encode_image(image)
    decoded = codec.decode_image(bitstream)
    assert decoded.shape == shape
    np.testing.assert_array_equal(decoded, codec.reconstruct(image[None])[0])


def test_header_is_the_shape_and_the_stream_framing(codec):
  image = np.full((300, 70, 3), 0.5, np.float32)
  bitstream = codec.encode_image(image)
  # varint(300) is 2 bytes, varint(70) 1; the hyperprior adds the z string's length prefix
  # (1 or 2 bytes).
  low, high = (4, 5) if codec.name == "hyperprior" else (3, 3)
  assert low <= codec.header_bytes(bitstream) <= high < len(bitstream)


def test_one_decode_call_refuses_images_of_two_sizes(codec):
  streams = [codec.encode_image(np.zeros(shape, np.float32)) for shape in ((8, 8, 3), (16, 8, 3))]
  with pytest.raises(ValueError, match="one size"):
    codec.decode(streams)


def test_padding_repeats_the_edge_up_to_the_next_multiple():
  batch = np.arange(2 * 5 * 3 * 1, dtype=np.float32).reshape(2, 5, 3, 1)
  padded = learned_image.pad_to_multiple(batch, 4)
  assert padded.shape == (2, 8, 4, 1)
  np.testing.assert_array_equal(padded[:, :5, :3], batch)
  np.testing.assert_array_equal(padded[:, 7, :3], batch[:, 4])
  np.testing.assert_array_equal(padded[:, :5, 3], batch[:, :, 2])


def test_photo_folders_train_on_larger_crops_at_the_same_per_pixel_tradeoff(tmp_path):
  rng = np.random.default_rng(0)
  for i in range(3):
    Image.fromarray(rng.integers(0, 256, (150, 140, 3), np.uint8)).save(tmp_path / f"{i}.png")
  source = images.ImageFolderSource(str(tmp_path), crop=32)
  train_source, rate_scale = learned_image.training_source(source, 128)
  assert train_source.event_shape == (128, 128, 3)
  assert train_source.files == source.files  # The same split by file.
  assert rate_scale == 1 / 16  # Nats per 128x128 crop -> per 32x32 crop of the source.
  assert learned_image.training_source(source, 0) == (source, 1.0)
  assert learned_image.training_source(_Crops(), 128)[1] == 1.0  # No files to re-crop.
