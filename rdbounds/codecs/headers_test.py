"""Header ends of real JPEG, WebP and JPEG 2000 files, checked against what must follow them."""

import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image

from rdbounds.codecs import headers
from rdbounds.codecs import pillow
from rdbounds.codecs import plugins


def _photo():
  with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as image:
    return np.asarray(image.convert("RGB"), np.float32)[:256, :256] / 255.0


def _file(kind, quality):
  return pillow.PillowCodec(kind, quality, (32, 32, 3)).encode_image(_photo())


@pytest.mark.parametrize("quality", [5, 50, 95])
def test_jpeg_header_ends_where_entropy_coded_data_begin(quality):
  data = _file("jpeg", quality)
  end = headers.jpeg(data)
  assert 100 < end < len(data) // 2
  assert data[end - 14:end - 12] == b"\xff\xda"  # The 3-component SOS segment is 12 bytes.
  scan = data[end:-2]
  # Entropy-coded data hold no marker: every 0xFF is a stuffed 0xFF00; then EOI.
  ff = np.flatnonzero(np.frombuffer(scan, np.uint8) == 0xFF)
  assert all(scan[i + 1] == 0 for i in ff)
  assert data[-2:] == b"\xff\xd9"


def test_jpeg_header_is_nearly_constant_across_quality():
  sizes = [headers.jpeg(_file("jpeg", q)) for q in (2, 10, 30, 70, 95)]
  files = [len(_file("jpeg", q)) for q in (2, 95)]
  # Only the fitted Huffman tables grow with quality; the file grows 15x or more.
  assert max(sizes) < 1.5 * min(sizes)
  assert files[1] > 15 * files[0]


def test_webp_header_ends_after_the_vp8_frame_header():
  data = _file("webp", 50)
  end = headers.webp(data)
  assert data[end - 7:end - 4] == b"\x9d\x01\x2a"  # The VP8 key frame start code.
  width, height = np.frombuffer(data[end - 4:end], "<u2") & 0x3FFF
  assert (width, height) == (256, 256)


def test_jpeg2000_header_ends_at_the_first_tile_part():
  data = _file("jpeg2000", 0.5)
  end = headers.jpeg2000(data)
  assert data[end:end + 2] == b"\xff\x90"
  assert 50 < end < 400 < len(data)
  # The same codestream without its JP2 boxes has a header shorter by the boxes' bytes.
  start = data.index(b"\xff\x4f\xff\x51")  # SOC then SIZ.
  assert headers.jpeg2000(data[start:]) == end - start


def test_truncated_or_foreign_files_are_refused():
  with pytest.raises(ValueError, match="not a JPEG"):
    headers.jpeg(b"GIF89a")
  with pytest.raises(ValueError, match="no SOS"):
    headers.jpeg(_file("jpeg", 50)[:20])
  with pytest.raises(ValueError, match="not a WebP"):
    headers.webp(b"RIFF\0\0\0\0WAVE")
  with pytest.raises(ValueError, match="JPEG 2000"):
    headers.jpeg2000(b"\x00\x00\x00\x0cjP  \r\n\x87\n")


def _plugin_file(kind, quality, chroma="default"):
  return plugins.PluginCodec(kind, quality, chroma, (32, 32, 3)).encode_image(_photo())


def _box(data, kind):
  """(start, size) of the first top-level box `kind`, by a plain scan of the file's boxes."""
  position = 0
  while position < len(data):
    size = int.from_bytes(data[position:position + 4], "big")
    if data[position + 4:position + 8] == kind:
      return position, size
    position += size
  raise AssertionError(f"no {kind} box")


@pytest.mark.parametrize("kind", ["avif", "heic"])
def test_isobmff_headers_are_the_boxes_around_the_data_and_constant_across_quality(kind):
  reader = getattr(headers, kind)
  for chroma in ("default", "444"):
    files = [_plugin_file(kind, q, chroma) for q in (5, 30, 60, 90)]
    sizes = [reader(f) for f in files]
    # The container (ftyp, meta, mdat's own 8 bytes) is all headers; the coded pixels are
    # not, so the header hardly moves while the file grows tenfold.
    for data, size in zip(files, sizes):
      mdat, _ = _box(data, b"mdat")
      assert mdat + 8 < size < mdat + 8 + 64, (kind, chroma, size, mdat)
    assert max(sizes) - min(sizes) <= 8 and len(files[-1]) > 10 * len(files[0])


def test_hevc_coded_data_are_the_slices_and_av1_coded_data_the_frame():
  heic = _plugin_file("heic", 50)
  mdat, size = _box(heic, b"mdat")
  # x265 puts the parameter sets in hvcC, so the item's data are slices alone: each NAL unit
  # costs 4 bytes of length and 2 of NAL header beyond its coded data.
  first = heic[mdat + 8:mdat + 14]
  assert (first[4] >> 1) & 0x3F in range(16, 22)  # An IRAP (intra) slice.
  nal = int.from_bytes(first[:4], "big")
  assert nal + 4 == size - 8  # One slice fills the item (and mdat).
  assert headers.heic(heic) == len(heic) - (nal - 2)
  avif = _plugin_file("avif", 50)
  mdat, size = _box(avif, b"mdat")
  # The item opens with a temporal delimiter OBU (type 2, empty) and the sequence header
  # (type 1): headers, not coded data, as are the two OBUs' header and size bytes.
  item = avif[mdat + 8:]
  assert (item[0] >> 3) & 15 == 2 and item[1] == 0
  assert (item[2] >> 3) & 15 == 1 and item[3] < 128
  assert headers.avif(avif) >= mdat + 8 + 4 + item[3]


def test_isobmff_files_without_their_boxes_are_refused():
  with pytest.raises(ValueError, match="ISOBMFF"):
    headers.heic(b"\x00\x00\x00\x10ftypheic\x00\x00\x00\x00")
  with pytest.raises(ValueError, match="not an ISOBMFF"):
    headers.avif(b"GIF89a" * 4)
  data = _plugin_file("avif", 50)
  with pytest.raises(ValueError):
    headers.avif(data[:200])  # Cut inside the meta box.
