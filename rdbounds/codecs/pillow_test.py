"""Pillow codecs on a real photograph: whole images of any size, rates and sweeps."""

import math

import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image

from rdbounds.codecs import base
from rdbounds.codecs import config as codec_config
from rdbounds.codecs import pillow
from rdbounds.sources import base as sources_base


def _photo():
  """grace_hopper.jpg (600 x 512 RGB, ships with matplotlib) in [0, 1]."""
  with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as image:
    return np.asarray(image.convert("RGB"), np.float32) / 255.0


class _Folder(sources_base.Source):
  """Stands for a photo folder: 32x32 crops, and whole held-out images."""
  name = "folder"
  event_shape = (32, 32, 3)

  def __init__(self, images):
    self.images = images

  def held_out_images(self):
    return self.images


@pytest.mark.parametrize("kind,quality", [("jpeg", 50), ("webp", 50), ("jpeg2000", 1.0)])
def test_whole_images_of_two_sizes_cost_the_bytes_of_their_files(kind, quality):
  photo = _photo()
  images = [photo, photo[100:221, 37:114]]  # 600x512 and an odd 121x77.
  codec = pillow.PillowCodec(kind, quality, (32, 32, 3))
  record = base.measure(codec, _Folder(images))
  files = [codec.encode_image(x) for x in images]
  decoded = [codec.decode_image(f) for f in files]
  assert [d.shape for d in decoded] == [x.shape for x in images]
  pixels = 600 * 512 + 121 * 77
  assert record.bpp == pytest.approx(8 * sum(map(len, files)) / pixels, rel=1e-12)
  assert record.n_eval == 2 and record.pixels_per_sample == 32 * 32
  squared = sum(np.sum(np.square(x.astype(np.float64) - d)) for x, d in zip(images, decoded))
  assert record.distortion == pytest.approx(squared / (3 * pixels), rel=1e-9)
  assert 28.0 < record.psnr_db < 45.0
  headers = sum(codec.header_bytes(f) for f in files)
  assert record.header_bits == pytest.approx(8 * headers / pixels * 32 * 32, rel=1e-12)
  assert 0 < record.header_bits < 0.2 * record.rate_bits


def test_jpeg2000_psnr_rises_strictly_with_the_target_rate_and_meets_it():
  photo = _photo()
  points = []
  for target in codec_config.PILLOW_QUALITIES["jpeg2000"]:
    codec = pillow.PillowCodec("jpeg2000", target, photo.shape)
    data = codec.encode_image(photo)
    bpp = 8 * len(data) / (600 * 512)
    mse = np.mean(np.square(photo.astype(np.float64) - codec.decode_image(data)))
    points.append((target, bpp, -10 * math.log10(mse)))
  targets, bpps, psnrs = np.array(points).T
  assert np.all(np.diff(psnrs) > 0.5), points
  np.testing.assert_allclose(bpps, targets, rtol=0.1)
  assert psnrs[0] < 24.0 and psnrs[-1] > 35.0


def test_lowest_jpeg_and_webp_qualities_reach_about_a_tenth_of_a_bit_per_pixel():
  photo = _photo()
  for kind in ("jpeg", "webp"):
    lowest = min(codec_config.PILLOW_QUALITIES[kind])
    codec = pillow.PillowCodec(kind, lowest, photo.shape)
    assert 8 * len(codec.encode_image(photo)) / (600 * 512) < 0.15, kind


def test_grey_images_decode_grey_at_their_own_size():
  grey = _photo()[:50, :70, :1]
  for kind, quality in (("jpeg", 90), ("webp", 90), ("jpeg2000", 3.0)):
    codec = pillow.PillowCodec(kind, quality, (32, 32, 1))
    decoded = codec.decode_image(codec.encode_image(grey))
    assert decoded.shape == (50, 70, 1)
    assert np.mean(np.square(decoded - grey)) < 1e-3, kind


def test_bad_settings_are_refused():
  with pytest.raises(ValueError, match="target rate must be positive"):
    pillow.PillowCodec("jpeg2000", 0.0, (32, 32, 3))
  with pytest.raises(ValueError, match="expected an image"):
    pillow.PillowCodec("jpeg", 50, (32, 32, 3)).encode_image(np.zeros((8, 8, 1)))
