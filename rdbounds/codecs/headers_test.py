"""Header ends of real JPEG, WebP and JPEG 2000 files, checked against what must follow them."""

import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image

from rdbounds.codecs import headers
from rdbounds.codecs import pillow


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
