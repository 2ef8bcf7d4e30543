"""What the learned image codecs share: a shape header, padding to the total stride, and the
crops they train on.

Bitstream of one image `[H, W, C]`: varint(H), varint(W), then the codec's payload for the
image padded (edge pixels repeated) to H', W', the next multiples of the transforms' total
stride. The decoder reads H and W, decodes the padded image and crops it back. The padding's
bits are in the payload, so they count in the rate.

Photo folders are measured on whole held-out images, so the codec is trained on crops larger
than the source's (`training_source`). Lambda keeps its meaning: the job's Lagrangian is
R + lambda D with R in nats per *sample of the source* (a crop of P pixels), i.e. per pixel
R / P + (lambda / P) D. Trained on crops of P' pixels, the codec minimizes the same per-pixel
trade-off, written in the source's units: (P / P') R' + lambda D, R' in nats per training crop.
"""

from typing import List, Sequence, Tuple

import numpy as np

from rdbounds.codecs import base
from rdbounds.sources import base as sources_base


def pad_to_multiple(batch: np.ndarray, multiple: int) -> np.ndarray:
  """`[B, H, W, C]` -> `[B, H', W', C]`, H' and W' the next multiples of `multiple`, the new
  rows and columns repeating the last ones."""
  height, width = batch.shape[1:3]
  pad_h, pad_w = -height % multiple, -width % multiple
  if not pad_h and not pad_w:
    return batch
  return np.pad(batch, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


class LearnedImageCodec(base.Codec):
  """A learned image codec: subclasses set `stride` (the transforms' total stride) and code
  padded batches (`_encode_padded`, `_decode_padded`); this class frames each image's
  bitstream with its shape and pads and crops."""

  per_sample_bitstreams = True
  stride: int = 1

  def _encode_padded(self, batch: np.ndarray) -> List[bytes]:
    """`[B, H', W', C]` (H', W' multiples of `stride`) -> B payloads."""
    raise NotImplementedError

  def _decode_padded(self, payloads: Sequence[bytes], height: int, width: int) -> np.ndarray:
    """B payloads of `[H', W']` images -> `[B, H', W', C]`."""
    raise NotImplementedError

  def _payload_header_bytes(self, payload: bytes) -> int:
    """Bytes of a payload that frame it rather than code the image (e.g. a length prefix)."""
    del payload
    return 0

  def padded_shape(self, height: int, width: int) -> Tuple[int, int]:
    return -(-height // self.stride) * self.stride, -(-width // self.stride) * self.stride

  def encode(self, batch) -> List[bytes]:
    batch = np.asarray(batch, np.float32)
    if batch.ndim != 4 or batch.shape[3] != self.event_shape[2]:
      raise ValueError(f"{self.name}: expected images [B, H, W, {self.event_shape[2]}], "
                       f"got {batch.shape}")
    header = base.encode_varint(batch.shape[1]) + base.encode_varint(batch.shape[2])
    payloads = self._encode_padded(pad_to_multiple(batch, self.stride))
    return [header + payload for payload in payloads]

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    shapes, payloads = zip(*(_split(data) for data in bitstreams))
    if len(set(shapes)) != 1:
      raise ValueError(f"{self.name}: one decode call takes images of one size, got "
                       f"{sorted(set(shapes))}; decode them one at a time")
    height, width = shapes[0]
    return self._decode_padded(payloads, *self.padded_shape(height, width))[:, :height, :width]

  def encode_image(self, image) -> bytes:
    return self.encode(np.asarray(image, np.float32)[None])[0]

  def decode_image(self, bitstream: bytes) -> np.ndarray:
    return self.decode([bitstream])[0]

  def header_bytes(self, bitstream: bytes) -> int:
    _, payload = _split(bitstream)
    return len(bitstream) - len(payload) + self._payload_header_bytes(payload)


def _split(data: bytes):
  """((H, W), payload) of one bitstream."""
  height, position = base.decode_varint(data)
  width, position = base.decode_varint(data, position)
  return (height, width), data[position:]


def training_source(source: sources_base.Source, crop: int):
  """The source a learned image codec trains on, and the factor on its rate (module docstring).

  Args:
    source: the job's source.
    crop: side of the training crops for photo folders (sources that can resample their
      training files at another crop size, `with_crop`); 0 keeps the source's own crops.

  Returns:
    `(train_source, rate_scale)`: rate_scale = source pixels per sample / training pixels per
    sample, the factor turning nats per training sample into the job's units.
  """
  with_crop = getattr(source, "with_crop", None)
  if not crop or with_crop is None or tuple(source.event_shape[:2]) == (crop, crop):
    return source, 1.0
  train_source = with_crop(crop)
  return train_source, source.pixels_per_sample / train_source.pixels_per_sample
