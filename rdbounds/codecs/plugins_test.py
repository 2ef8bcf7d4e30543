"""AVIF, HEIC and JPEG XL on a real photograph: real files, their bytes, their decoded pixels."""

import io
import math
import sys

import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image

from rdbounds import estimators
from rdbounds.codecs import base
from rdbounds.codecs import config as codec_config
from rdbounds.codecs import plugins
from rdbounds.codecs.pillow_test import _Folder  # A photo folder stand-in.

_SETTINGS = [(kind, chroma) for kind in plugins.KINDS
             for chroma in codec_config.PLUGIN_CHROMAS[kind]]


def _photo(size=192):
  """A corner of grace_hopper.jpg (ships with matplotlib) in [0, 1]: colourful, detailed."""
  with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as image:
    return np.asarray(image.convert("RGB"), np.float32)[:size, :size] / 255.0


def _psnr(x, y):
  return -10 * math.log10(np.mean(np.square(x.astype(np.float64) - y)))


@pytest.mark.parametrize("kind,chroma", _SETTINGS)
def test_whole_images_cost_the_bytes_of_their_files_and_decode_to_the_measured_pixels(
    kind, chroma):
  photo = _photo()
  images = [photo, photo[40:77, 11:64]]  # 192x192 and an odd 37x53.
  codec = plugins.PluginCodec(kind, 50, chroma, (32, 32, 3))
  record = base.measure(codec, _Folder(images))
  files = [codec.encode_image(x) for x in images]  # The encoders are deterministic.
  decoded = [codec.decode_image(f) for f in files]
  assert [d.shape for d in decoded] == [x.shape for x in images]
  pixels = 192 * 192 + 37 * 53
  assert record.bpp == pytest.approx(8 * sum(map(len, files)) / pixels, rel=1e-12)
  squared = sum(np.sum(np.square(x.astype(np.float64) - d)) for x, d in zip(images, decoded))
  assert record.distortion == pytest.approx(squared / (3 * pixels), rel=1e-9)
  assert 27.0 < record.psnr_db < 42.0 and 0.3 < record.bpp < 4.0
  if kind == "jxl":
    assert record.header_bits is None  # Bit-packed headers: not reported.
  else:
    headers = sum(codec.header_bytes(f) for f in files)
    assert record.header_bits == pytest.approx(8 * headers / pixels * 32 * 32, rel=1e-12)
    assert 0 < record.header_bits < 0.3 * record.rate_bits


def test_avif_files_decode_alike_with_dav1d_and_with_libaom(monkeypatch):
  """Two independent AV1 decoders (pillow-avif-plugin's dav1d, pillow-heif's libaom) agree up
  to the last bit of their YCbCr -> RGB rounding: the files are standard AV1. (libheif
  upsamples 4:2:0 chroma by repeating samples, libavif bilinearly by default: the comparison
  makes libavif repeat them too.)"""
  import pillow_heif  # pylint: disable=g-import-not-at-top
  from pillow_avif import AvifImagePlugin  # pylint: disable=g-import-not-at-top
  monkeypatch.setattr(AvifImagePlugin, "CHROMA_UPSAMPLING", "nearest")
  photo = _photo()
  for chroma in ("default", "444"):
    codec = plugins.PluginCodec("avif", 40, chroma, photo.shape)
    data = codec.encode_image(photo)
    ours = codec.decode_image(data)
    theirs = np.asarray(pillow_heif.open_heif(io.BytesIO(data)).to_pillow().convert("RGB"),
                        np.float32) / 255.0
    assert np.max(np.abs(ours - theirs)) <= 1.5 / 255
    coding_mse = np.mean(np.square(photo - ours))
    assert np.mean(np.square(ours - theirs)) < 0.01 * coding_mse


def _isobmff_property(data, kind):
  """The payload of the first box `kind` in a HEIF file (properties are unique here)."""
  start = data.index(kind) + 4
  return data[start:start + 32]


def test_chroma_444_reaches_the_bitstream_and_lifts_psnr_at_high_quality():
  photo = _photo()
  psnr = {}
  for kind in ("avif", "heic"):
    for chroma in ("default", "444"):
      codec = plugins.PluginCodec(kind, 90, chroma, photo.shape)
      data = codec.encode_image(photo)
      psnr[kind, chroma] = _psnr(photo, codec.decode_image(data))
      if kind == "avif":
        # av1C byte 2: ..., mono_chrome, chroma_subsampling_x, chroma_subsampling_y, ...
        subsampled = (_isobmff_property(data, b"av1C")[2] >> 2) & 3
        assert subsampled == (3 if chroma == "default" else 0)
      else:
        # hvcC byte 16: chroma_format_idc in its low 2 bits (1: 4:2:0, 3: 4:4:4).
        assert _isobmff_property(data, b"hvcC")[16] & 3 == (1 if chroma == "default" else 3)
    assert psnr[kind, "444"] > psnr[kind, "default"] + 1.0, psnr


@pytest.mark.parametrize("kind", plugins.KINDS)
def test_the_preset_sweep_spans_low_to_high_rates_with_rising_psnr(kind):
  photo = _photo(256)
  points = []
  for quality in codec_config.PLUGIN_QUALITIES[kind]:
    codec = plugins.PluginCodec(kind, quality, "default", photo.shape)
    data = codec.encode_image(photo)
    points.append((8 * len(data) / 256**2, _psnr(photo, codec.decode_image(data))))
  bpp, psnr = np.array(points).T
  assert np.all(np.diff(bpp) > 0) and np.all(np.diff(psnr) > 0), points
  assert bpp[0] < 0.5 and bpp[-1] > 2.0, points


@pytest.mark.parametrize("kind", plugins.KINDS)
def test_grey_images_decode_grey_at_their_own_size(kind):
  grey = _photo()[:50, :70, :1]
  codec = plugins.PluginCodec(kind, 90, "default", (32, 32, 1))
  decoded = codec.decode_image(codec.encode_image(grey))
  assert decoded.shape == (50, 70, 1)
  assert np.mean(np.square(decoded - grey)) < 1e-3


def test_bad_settings_are_refused():
  with pytest.raises(ValueError, match="jxl takes chroma default"):
    plugins.PluginCodec("jxl", 50, "444", (32, 32, 3))
  with pytest.raises(ValueError, match="integer in 0..100"):
    plugins.PluginCodec("avif", 101, "default", (32, 32, 3))
  with pytest.raises(ValueError, match="expected an image"):
    plugins.PluginCodec("heic", 50, "default", (32, 32, 3)).encode_image(np.zeros((8, 8, 1)))


def test_a_missing_package_is_one_line_naming_its_extra(monkeypatch):
  monkeypatch.setitem(sys.modules, "pillow_heif", None)  # `import pillow_heif` now fails.
  reason = estimators.get("codec:heic").not_applicable(_Folder([]))
  assert reason == ("codec:heic needs the pillow-heif package: pip install -c constraints.txt "
                    "-e '.[heic]' (or the 'codecs' extra for all of them)")
  with pytest.raises(RuntimeError, match=r"^codec:heic needs the pillow-heif package"):
    plugins.PluginCodec("heic", 50, "default", (32, 32, 3))
  assert estimators.get("codec:avif").not_applicable(_Folder([])) is None
