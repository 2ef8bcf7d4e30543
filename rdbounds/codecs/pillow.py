"""JPEG, WebP and JPEG 2000 through Pillow: the classical image codecs, one file per image.

Images in [0, 1] are rounded to 8 bits (part of the codec: its distortion counts), written as
complete files (headers included: that is what a user would store), decoded, and compared
with the original float image. The files carry their own size, so any image is coded whole.
Pillow's API codes one image at a time, so these codecs loop over the images of a batch.

Operating points: JPEG and WebP take their quality (0..100). JPEG 2000 takes a target rate in
bits per pixel, given to OpenJPEG as the compression ratio 8 C / target over 8-bit samples
(`quality_mode="rates"`): its PSNR then rises with the rate, which OpenJPEG's "dB" targets do
not guarantee on small images.
"""

import io
from typing import List, Sequence

import numpy as np
from PIL import Image
from PIL import features

from rdbounds.codecs import base
from rdbounds.codecs import headers

_PIL_FORMAT = {"jpeg": "JPEG", "webp": "WEBP", "jpeg2000": "JPEG2000"}
_FEATURE = {"jpeg": "jpg", "webp": "webp", "jpeg2000": "jpg_2000"}
_HEADER_BYTES = {"jpeg": headers.jpeg, "webp": headers.webp, "jpeg2000": headers.jpeg2000}


def available(kind: str) -> bool:
  """Whether this Pillow build can write `kind` (JPEG 2000 needs OpenJPEG)."""
  return bool(features.check(_FEATURE[kind]))


def to_uint8(images) -> np.ndarray:
  """`[..., H, W, C]` in [0, 1] -> uint8 (round to nearest, clip)."""
  return np.clip(np.round(np.asarray(images, np.float64) * 255.0), 0, 255).astype(np.uint8)


class PillowCodec(base.Codec):
  """One Pillow codec at one operating point.

  Args:
    kind: "jpeg", "webp" or "jpeg2000".
    quality: JPEG/WebP quality (0..100), or the JPEG 2000 target rate in bits per pixel.
    event_shape: `(H, W, C)` of the source's samples, C in {1, 3}; only C matters (images of
      any size are coded).
  """

  per_sample_bitstreams = True

  def __init__(self, kind: str, quality: float, event_shape):
    if kind not in _PIL_FORMAT:
      raise ValueError(f"unknown Pillow codec {kind!r}; valid: {', '.join(_PIL_FORMAT)}")
    if len(event_shape) != 3 or event_shape[2] not in (1, 3):
      raise ValueError(f"{kind} codes images [H, W, 1 or 3], got event shape {event_shape}")
    if kind == "jpeg2000" and not quality > 0:
      raise ValueError(f"the JPEG 2000 target rate must be positive bpp, got {quality}")
    if not available(kind):
      raise RuntimeError(f"this Pillow build cannot write {kind}")
    self.name = kind
    self.kind, self.quality = kind, quality
    self.channels = int(event_shape[2])
    self.setting = (f"target_bpp={quality:g}" if kind == "jpeg2000" else f"quality={quality:g}")

  def _save_options(self):
    if self.kind == "jpeg":
      # optimize: Huffman tables fitted to the image (smaller files, same pixels).
      return {"quality": int(self.quality), "optimize": True}
    if self.kind == "webp":
      return {"quality": int(self.quality), "method": 6}
    ratio = 8.0 * self.channels / float(self.quality)
    return {"quality_mode": "rates", "quality_layers": [ratio], "irreversible": True}

  def encode_image(self, image) -> bytes:
    pixels = to_uint8(image)
    if pixels.ndim != 3 or pixels.shape[2] != self.channels:
      raise ValueError(f"{self.kind}: expected an image [H, W, {self.channels}], "
                       f"got {pixels.shape}")
    buffer = io.BytesIO()
    picture = Image.fromarray(pixels[..., 0] if self.channels == 1 else pixels,
                              "L" if self.channels == 1 else "RGB")
    picture.save(buffer, format=_PIL_FORMAT[self.kind], **self._save_options())
    return buffer.getvalue()

  def decode_image(self, bitstream: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(bitstream)) as picture:
      # WebP stores grayscale as colour; converting back to L is part of decoding.
      array = np.asarray(picture.convert("L" if self.channels == 1 else "RGB"))
    return array.reshape(array.shape[:2] + (self.channels,)).astype(np.float32) / 255.0

  def header_bytes(self, bitstream: bytes) -> int:
    return _HEADER_BYTES[self.kind](bitstream)

  def encode(self, batch) -> List[bytes]:
    return [self.encode_image(image) for image in np.asarray(batch)]

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    return np.stack([self.decode_image(data) for data in bitstreams])
