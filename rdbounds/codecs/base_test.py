"""`base.measure` on whole images: per-sample units, pixel weighting, header bits."""

import math

import numpy as np
import pytest

from rdbounds.codecs import base
from rdbounds.sources import base as sources_base


class _Raw8Bit(base.Codec):
  """Stores 8-bit pixels after a 4-byte header (varints of H and W, padded): 8 C bits per
  pixel plus the header, and the rounding error of 8 bits."""
  name = "raw"
  per_sample_bitstreams = True

  def encode_image(self, image):
    height, width, _ = image.shape
    header = (base.encode_varint(height) + base.encode_varint(width)).ljust(4, b"\0")
    return header + np.round(image * 255).astype(np.uint8).tobytes()

  def decode_image(self, bitstream):
    height, position = base.decode_varint(bitstream)
    width, _ = base.decode_varint(bitstream, position)
    return np.frombuffer(bitstream[4:], np.uint8).reshape(height, width, -1) / np.float32(255)

  def header_bytes(self, bitstream):
    return 4


class _Folder(sources_base.Source):
  name = "folder"
  event_shape = (8, 8, 3)

  def __init__(self, images):
    self.images = images

  def held_out_images(self):
    return self.images


def test_whole_images_are_pixel_weighted_and_in_units_of_the_crop():
  # A flat image coded exactly, and a smaller one off by half a level everywhere.
  exact = np.full((30, 20, 3), 100 / 255, np.float32)
  off = np.full((10, 10, 3), 100.5 / 255, np.float32)
  record = base.measure(_Raw8Bit(), _Folder([exact, off]))
  pixels = 30 * 20 + 10 * 10
  assert record.bpp == pytest.approx(24 + 2 * 32 / pixels, rel=1e-12)
  assert record.rate_nats == pytest.approx(record.bpp * 64 * math.log(2), rel=1e-12)
  # The error of rounding 100.5 is half a level on 100 of the 700 pixels.
  assert record.distortion == pytest.approx((0.5 / 255) ** 2 * 100 / pixels, rel=1e-5)
  assert record.header_bits == pytest.approx(2 * 32 / pixels * 64, rel=1e-12)
  assert record.n_eval == 2 and record.distortion_se > 0 and record.rate_nats_se > 0


def test_one_image_has_no_standard_errors_and_no_images_is_an_error():
  record = base.measure(_Raw8Bit(), _Folder([np.zeros((8, 16, 3), np.float32)]))
  assert record.distortion_se is None and record.rate_nats_se is None
  assert record.bpp == pytest.approx(24 + 32 / 128, rel=1e-12)
  with pytest.raises(ValueError, match="no held-out images"):
    base.measure(_Raw8Bit(), _Folder([]))


def test_each_image_point_counts_its_own_bytes_and_pools_to_the_record():
  exact = np.full((30, 20, 3), 100 / 255, np.float32)
  off = np.full((10, 10, 3), 100.5 / 255, np.float32)
  record, points = base.measure_points(_Raw8Bit(), _Folder([exact, off]))
  assert [p["file"] for p in points] == ["0", "1"] and [p["pixels"] for p in points] == [600, 100]
  # 24 bits per pixel and the 4-byte header over the image's own pixels.
  assert [p["bpp"] for p in points] == pytest.approx([24 + 32 / 600, 24 + 32 / 100], rel=1e-12)
  assert points[0]["psnr_db"] == math.inf  # Coded exactly.
  assert points[1]["psnr_db"] == pytest.approx(-20 * math.log10(0.5 / 255), rel=1e-6)
  pooled = sum(p["bpp"] * p["pixels"] for p in points) / 700
  assert pooled == pytest.approx(record.bpp, rel=1e-12)
