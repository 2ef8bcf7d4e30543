"""JPEG, WebP and JPEG 2000 through Pillow: the classical image codecs, one file per image.

Images in [0, 1] are rounded to 8 bits (part of the codec: its distortion counts), written as
complete files (headers included: that is what a user would store), decoded, and compared
with the original float image. Pillow's API codes one image at a time, so these codecs loop
over the images of a batch.
"""

import io
from typing import List, Sequence

import numpy as np
from PIL import Image
from PIL import features

from rdbounds.codecs import base

_PIL_FORMAT = {"jpeg": "JPEG", "webp": "WEBP", "jpeg2000": "JPEG2000"}
_FEATURE = {"jpeg": "jpg", "webp": "webp", "jpeg2000": "jpg_2000"}


def available(kind: str) -> bool:
  """Whether this Pillow build can write `kind` (JPEG 2000 needs OpenJPEG)."""
  return bool(features.check(_FEATURE[kind]))


def to_uint8(images) -> np.ndarray:
  """`[B, H, W, C]` in [0, 1] -> uint8 (round to nearest, clip)."""
  return np.clip(np.round(np.asarray(images, np.float64) * 255.0), 0, 255).astype(np.uint8)


class PillowCodec(base.Codec):
  """One Pillow codec at one quality setting.

  Args:
    kind: "jpeg", "webp" or "jpeg2000".
    quality: JPEG/WebP quality (1..100), or the JPEG 2000 target PSNR in dB.
    event_shape: `(H, W, C)` with C in {1, 3}.
  """

  per_sample_bitstreams = True

  def __init__(self, kind: str, quality: float, event_shape):
    if kind not in _PIL_FORMAT:
      raise ValueError(f"unknown Pillow codec {kind!r}; valid: {', '.join(_PIL_FORMAT)}")
    if len(event_shape) != 3 or event_shape[2] not in (1, 3):
      raise ValueError(f"{kind} codes images [H, W, 1 or 3], got event shape {event_shape}")
    if not available(kind):
      raise RuntimeError(f"this Pillow build cannot write {kind}")
    self.name = kind
    self.kind, self.quality = kind, quality
    self.event_shape = tuple(event_shape)
    self.setting = f"quality={quality:g}"

  def _save_options(self):
    if self.kind == "jpeg":
      # optimize: Huffman tables fitted to the image (smaller files, same pixels).
      return {"quality": int(self.quality), "optimize": True}
    if self.kind == "webp":
      return {"quality": int(self.quality), "method": 6}
    return {"quality_mode": "dB", "quality_layers": [float(self.quality)], "irreversible": True}

  def encode(self, batch) -> List[bytes]:
    pixels = to_uint8(batch)
    if pixels.shape[1:] != self.event_shape:
      raise ValueError(f"expected images {self.event_shape}, got {pixels.shape[1:]}")
    mode = "L" if self.event_shape[2] == 1 else "RGB"
    bitstreams = []
    for image in pixels:
      buffer = io.BytesIO()
      picture = Image.fromarray(image[..., 0] if mode == "L" else image, mode)
      picture.save(buffer, format=_PIL_FORMAT[self.kind], **self._save_options())
      bitstreams.append(buffer.getvalue())
    return bitstreams

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    mode = "L" if self.event_shape[2] == 1 else "RGB"
    images = []
    for data in bitstreams:
      with Image.open(io.BytesIO(data)) as picture:
        # WebP stores grayscale as colour; converting back to L is part of decoding.
        array = np.asarray(picture.convert(mode))
      images.append(array.reshape(self.event_shape))
    return np.stack(images).astype(np.float32) / 255.0
