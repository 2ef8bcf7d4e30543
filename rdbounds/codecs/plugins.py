"""AVIF, HEIC and JPEG XL: today's image codecs, from packages that plug into Pillow.

* AVIF (AV1 intra): `pillow-avif-plugin` (libavif; the libaom encoder, the dav1d decoder).
* HEIC (HEVC intra, the codec class of BPG): `pillow-heif` (libheif; the x265 encoder, the
  libde265 decoder).
* JPEG XL: `pillow-jxl-plugin` (libjxl, its VarDCT mode).

None is a dependency of rdbounds: each is an optional extra (docs/codecs.md has their
licences). As with the Pillow codecs, an image in [0, 1] is rounded to 8 bits (part of the
codec), written as a complete file (headers included), decoded, and compared with the float
original.

Operating points: a quality (0..100, each library's own scale) and a chroma format:
`default` is the codec's own (AVIF and HEIC subsample chroma 4:2:0; JPEG XL codes XYB
without subsampling and has no other), `444` keeps chroma at full resolution. Encoders run
with their default speed settings (libaom speed 6, x265's default preset, libjxl effort 7),
one thread for libaom so that a file does not depend on the machine's cores.
"""

import importlib
import io
from typing import List, Sequence

import numpy as np
from PIL import Image

from rdbounds.codecs import base
from rdbounds.codecs import config as codec_config
from rdbounds.codecs import headers
from rdbounds.codecs import pillow

KINDS = codec_config.PLUGIN_KINDS
_HEADER_BYTES = {"avif": headers.avif, "heic": headers.heic}


class PluginCodec(base.Codec):
  """AVIF, HEIC or JPEG XL at one quality and chroma format.

  Args:
    kind: "avif", "heic" or "jxl".
    quality: 0..100 (the library's scale; higher: more bits).
    chroma: "default" (the codec's own) or "444" (AVIF, HEIC).
    event_shape: `(H, W, C)` of the source's samples, C in {1, 3}; only C matters (images of
      any size are coded).

  Raises:
    ValueError: an unknown kind, chroma or quality; RuntimeError: the package is missing.
  """

  per_sample_bitstreams = True

  def __init__(self, kind: str, quality: float, chroma: str, event_shape):
    if kind not in KINDS:
      raise ValueError(f"unknown codec {kind!r}; valid: {', '.join(KINDS)}")
    chromas = codec_config.PLUGIN_CHROMAS[kind]
    if chroma not in chromas:
      raise ValueError(f"{kind} takes chroma {' or '.join(chromas)}, got {chroma!r}")
    if not (0 <= quality <= 100 and float(quality).is_integer()):
      raise ValueError(f"{kind} quality must be an integer in 0..100, got {quality}")
    if len(event_shape) != 3 or event_shape[2] not in (1, 3):
      raise ValueError(f"{kind} codes images [H, W, 1 or 3], got event shape {event_shape}")
    reason = codec_config.plugin_missing(kind)
    if reason:
      raise RuntimeError(reason)
    self.name = kind
    self.kind, self.quality, self.chroma = kind, int(quality), chroma
    self.channels = int(event_shape[2])
    self.setting = f"quality={self.quality:d} chroma={chroma}"

  def encode_image(self, image) -> bytes:
    pixels = pillow.to_uint8(image)
    if pixels.ndim != 3 or pixels.shape[2] != self.channels:
      raise ValueError(f"{self.kind}: expected an image [H, W, {self.channels}], "
                       f"got {pixels.shape}")
    mode = "L" if self.channels == 1 else "RGB"
    picture = np.ascontiguousarray(pixels[..., 0] if self.channels == 1 else pixels)
    buffer = io.BytesIO()
    if self.kind == "heic":
      import pillow_heif  # pylint: disable=g-import-not-at-top
      # Grey images are coded monochrome; chroma applies to colour ones.
      options = {"chroma": 444} if self.chroma == "444" and self.channels == 3 else {}
      pillow_heif.encode(mode, (pixels.shape[1], pixels.shape[0]), picture.tobytes(), buffer,
                         quality=self.quality, **options)
    elif self.kind == "avif":
      import pillow_avif  # pylint: disable=g-import-not-at-top,unused-import
      options = {"subsampling": "4:4:4"} if self.chroma == "444" and self.channels == 3 else {}
      Image.fromarray(picture, mode).save(buffer, format="AVIF", quality=self.quality,
                                          codec="aom", max_threads=1, **options)
    else:
      import pillow_jxl  # pylint: disable=g-import-not-at-top,unused-import
      Image.fromarray(picture, mode).save(buffer, format="JXL", quality=self.quality)
    return buffer.getvalue()

  def decode_image(self, bitstream: bytes) -> np.ndarray:
    mode = "L" if self.channels == 1 else "RGB"
    if self.kind == "heic":
      import pillow_heif  # pylint: disable=g-import-not-at-top
      array = np.asarray(pillow_heif.open_heif(io.BytesIO(bitstream)).to_pillow().convert(mode))
    else:
      # Importing the package registers its format with Pillow.
      importlib.import_module(codec_config.PLUGIN_PACKAGES[self.kind][1])
      with Image.open(io.BytesIO(bitstream)) as picture:
        array = np.asarray(picture.convert(mode))
    return array.reshape(array.shape[:2] + (self.channels,)).astype(np.float32) / 255.0

  def header_bytes(self, bitstream: bytes):
    # JPEG XL's headers are bit-packed bundles (no byte boundaries to count): not reported.
    reader = _HEADER_BYTES.get(self.kind)
    return None if reader is None else reader(bitstream)

  def encode(self, batch) -> List[bytes]:
    return [self.encode_image(image) for image in np.asarray(batch)]

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    return np.stack([self.decode_image(data) for data in bitstreams])
