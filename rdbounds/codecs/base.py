"""The `Codec` protocol and the measurement of a codec's operating point on held-out data.

A codec turns a batch of samples into real bitstreams and back. What counts is the length of
those bitstreams, not an estimate: the rate of a codec is

    R = 8 * (total bytes) / (samples coded)   bits per sample   (x ln 2 for nats),

and its distortion is rho(x, decode(encode(x))) = mean over all dims of squared error (MSE per
dimension, docs/method.md), measured on the decoded output.

Bitstreams: image codecs write one bitstream per image (so each image is decodable alone, the
way JPEG works); vector codecs write one bitstream per block of vectors (the rate of headers
and of the range coder's termination is amortized over the block, the way a real codec codes
vector data).

Photo folders (sources with `held_out_images()`) are measured on their held-out images whole,
each coded into its own bitstream as a photograph is stored; the rate is still reported per
sample of the source (bits per pixel times the crop's pixels), so bpp reads the same way.
A codec may also say how many bytes of a bitstream are headers (`header_bytes`); they are in
the rate like every byte, and reported apart (`Record.header_bits`).
"""

import math
import time
from typing import List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import held_out_points
from rdbounds.sources import base as sources_base

LN2 = math.log(2.0)


class Codec:
  """A lossy codec at one operating point.

  Subclasses set `name` (CSV estimator `codec:<name>`), `setting` (a readable description of
  the operating point, e.g. `quality=50` or `lambda=10`), `lmbda` (the multiplier it was
  trained at, or None for codecs swept by a quality setting), `steps` (training steps, or
  None), and implement `encode` and `decode`.
  """

  name: str = "codec"
  setting: str = ""
  lmbda: Optional[float] = None
  steps: Optional[int] = None
  # True: one bitstream per sample (images); False: one bitstream per batch (vector blocks).
  per_sample_bitstreams: bool = False

  def encode(self, batch) -> List[bytes]:
    """Compresses a batch.

    Args:
      batch: `[B, *event_shape]` float32 samples (images in [0, 1]).

    Returns:
      the bitstreams: B of them (one per image) when `per_sample_bitstreams`, else one for
      the whole block.
    """
    raise NotImplementedError

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    """Decompresses what `encode` wrote: `[B, *event_shape]` float32 reconstructions."""
    raise NotImplementedError

  def encode_image(self, image) -> bytes:
    """Compresses one whole image of any size into its own bitstream (image codecs).

    Args:
      image: `[H, W, C]` float32 in [0, 1]; H and W need not match the source's crops.
    """
    raise NotImplementedError(f"codec {self.name} does not code whole images")

  def decode_image(self, bitstream: bytes) -> np.ndarray:
    """Decompresses what `encode_image` wrote: the `[H, W, C]` float32 image (the bitstream
    says its size)."""
    raise NotImplementedError(f"codec {self.name} does not code whole images")

  def header_bytes(self, bitstream: bytes) -> Optional[int]:
    """How many bytes of one bitstream are headers (no coded data), or None if the codec
    does not say. They are part of the rate already; this only reports them."""
    del bitstream
    return None


# ---------------------------------------------------------------------------------------
# Small helpers for self-delimiting headers (counted in the rate like everything else).


def encode_varint(value: int) -> bytes:
  """LEB128 unsigned integer: 1 byte below 128, 2 below 16384, ..."""
  value = int(value)
  if value < 0:
    raise ValueError("varint must be non-negative")
  out = bytearray()
  while True:
    byte = value & 0x7F
    value >>= 7
    if value:
      out.append(byte | 0x80)
    else:
      out.append(byte)
      return bytes(out)


def decode_varint(data: bytes, position: int = 0):
  """Returns `(value, next_position)`."""
  value, shift = 0, 0
  while True:
    if position >= len(data):
      raise ValueError("truncated bitstream (varint)")
    byte = data[position]
    position += 1
    value |= (byte & 0x7F) << shift
    if not byte & 0x80:
      return value, position
    shift += 7


# ---------------------------------------------------------------------------------------
# Measurement


def measure(codec: Codec, source: sources_base.Source, n_eval: int = 10_000,
            block_size: int = 1000, seed: int = 0, run_id: str = "",
            seconds_offset: float = 0.0) -> curves.Record:
  """The record of `measure_points` (its arguments), without the per-image points."""
  return measure_points(codec, source, n_eval, block_size, seed, run_id, seconds_offset)[0]


def measure_points(codec: Codec, source: sources_base.Source, n_eval: int = 10_000,
                   block_size: int = 1000, seed: int = 0, run_id: str = "",
                   seconds_offset: float = 0.0
                   ) -> Tuple[curves.Record, Optional[List[dict]]]:
  """Measures a codec's (D, R) point on held-out data.

  Where the source has whole held-out images (`source.held_out_images()`, photo folders),
  each image is coded whole into its own bitstream (`measure_whole_images`), as photographs
  are stored; `n_eval` and `block_size` are then unused. Otherwise `n_eval` held-out samples
  (split="test") are drawn in blocks of `block_size`; each block is encoded, decoded, and its
  bytes counted. Standard errors: of the distortion, over samples; of the rate, over
  bitstreams (images) or over blocks (vectors), each block's rate being per sample.

  Args:
    codec: the codec.
    source: the source (its `test` split is used).
    n_eval: number of test samples coded (rounded up to whole blocks).
    block_size: samples per block (the vector codecs' bitstream unit).
    seed: seed of the test draws.
    run_id: stored in the record.
    seconds_offset: time spent before (e.g. training), added to the record's `seconds`.

  Returns:
    `(record, points)`: a `Record` with estimator `codec:<name>`, lambda `codec.lmbda`, rate
    in nats per sample, and `header_bits` (per sample) when the codec reports its header
    bytes; on whole images each image's point (`held_out_points.point`, named by
    `source.held_out_files()`), else None.
  """
  images = source.held_out_images()
  if images is not None:
    return measure_whole_images(codec, source, images, seed=seed, run_id=run_id,
                                seconds_offset=seconds_offset, files=source.held_out_files())
  started = time.time()
  num_blocks = max(1, math.ceil(n_eval / block_size))
  per_sample_mse, unit_bits, unit_samples, header_bits = [], [], [], []
  for block in range(num_blocks):
    x = source.sample(block_size, seed=(seed, block), split="test")
    x = np.asarray(x, np.float32)
    bitstreams = codec.encode(x)
    x_hat = np.asarray(codec.decode(bitstreams), np.float32)
    if x_hat.shape != x.shape:
      raise RuntimeError(f"codec {codec.name} decoded shape {x_hat.shape}, expected {x.shape}")
    per_sample_mse.append(np.mean(np.square(x.astype(np.float64) - x_hat),
                                  axis=tuple(range(1, x.ndim))))
    lengths = np.array([8 * len(b) for b in bitstreams], np.float64)
    header_bits.append(_header_bits(codec, bitstreams))
    if codec.per_sample_bitstreams:
      unit_bits.append(lengths)
      unit_samples.append(np.ones_like(lengths))
    else:
      unit_bits.append(np.array([lengths.sum()]))
      unit_samples.append(np.array([float(x.shape[0])]))
  mse = np.concatenate(per_sample_mse)
  bits = np.concatenate(unit_bits)
  samples = np.concatenate(unit_samples)
  rate_bits = bits.sum() / samples.sum()
  unit_rates = bits / samples
  rate_se = float(np.std(unit_rates, ddof=1) / math.sqrt(len(unit_rates))) if len(unit_rates) > 1 else None
  record = curves.Record(
      source=source.name, estimator=curves.CODEC_PREFIX + codec.name, lmbda=codec.lmbda,
      distortion=float(mse.mean()),
      distortion_se=float(mse.std(ddof=1) / math.sqrt(mse.size)) if mse.size > 1 else None,
      rate_nats=float(rate_bits * LN2),
      rate_nats_se=None if rate_se is None else rate_se * LN2,
      pixels_per_sample=source.pixels_per_sample, n_eval=int(mse.size), steps=codec.steps,
      seconds=seconds_offset + time.time() - started, seed=seed,
      run_id=run_id or f"codec:{codec.name}-{codec.setting}",
      header_bits=None if None in header_bits else float(sum(header_bits) / samples.sum()))
  return record, None


def measure_whole_images(codec: Codec, source: sources_base.Source, images: Sequence[np.ndarray],
                         seed: int = 0, run_id: str = "", seconds_offset: float = 0.0,
                         files: Optional[Sequence[str]] = None
                         ) -> Tuple[curves.Record, List[dict]]:
  """Measures a codec on whole images, one bitstream each, in the units of the source's crops.

  With N_i pixels and b_i bits for image i, and P = `source.pixels_per_sample` pixels per crop:

      rate = ln 2 (sum_i b_i / sum_i N_i) P   nats per sample (so bpp = sum b_i / sum N_i),
      distortion = sum_i |x_i - x_hat_i|^2 / sum_i (N_i C)   (pixel-weighted MSE;
                                                          `held_out_points.pool`).

  Standard errors are over images (of the per-image MSE and rate), None for a single image.

  Args:
    codec: an image codec (`encode_image` / `decode_image`).
    source: the image source the record belongs to (its name and crop size).
    images: `[H_i, W_i, C]` float32 arrays in [0, 1].
    seed, run_id, seconds_offset: as in `measure`.
    files: the images' names (default: their numbers, from 0).

  Returns:
    `(record, points)`: a `Record` with `n_eval` = number of images, and each image's point
    (`held_out_points.point`: its bytes, headers included, over its own pixels).
  """
  if not images:
    raise ValueError(f"{source.name}: no held-out images to measure {codec.name} on")
  started = time.time()
  names = list(files) if files is not None else [str(i) for i in range(len(images))]
  if len(names) != len(images):
    raise ValueError(f"{source.name}: {len(names)} file names for {len(images)} images")
  squared_error, bits, pixels, header, points = [], [], [], [], []
  for name, image in zip(names, images):
    image = np.asarray(image, np.float32)
    bitstream = codec.encode_image(image)
    decoded = np.asarray(codec.decode_image(bitstream), np.float32)
    if decoded.shape != image.shape:
      raise RuntimeError(f"codec {codec.name} decoded shape {decoded.shape}, "
                         f"expected {image.shape}")
    squared_error.append(float(np.sum(np.square(image.astype(np.float64) - decoded))))
    bits.append(8.0 * len(bitstream))
    pixels.append(image.shape[0] * image.shape[1])
    header.append(_header_bits(codec, [bitstream]))
    points.append(held_out_points.point(name, pixels[-1], bits[-1], squared_error[-1],
                                        image.shape[2]))
  per_sample = source.pixels_per_sample  # Nats per pixel -> per crop of the source.
  pixels = np.array(pixels, np.float64)
  record = curves.Record(
      source=source.name, estimator=curves.CODEC_PREFIX + codec.name, lmbda=codec.lmbda,
      **held_out_points.pool(bits, pixels, squared_error, np.asarray(images[0]).shape[2],
                             per_sample),
      pixels_per_sample=per_sample, n_eval=len(images), steps=codec.steps,
      seconds=seconds_offset + time.time() - started, seed=seed,
      run_id=run_id or f"codec:{codec.name}-{codec.setting}",
      header_bits=None if None in header else float(sum(header) / pixels.sum() * per_sample))
  return record, points


def _header_bits(codec: Codec, bitstreams: Sequence[bytes]) -> Optional[float]:
  """Header bits of all `bitstreams` together, or None when the codec does not say."""
  sizes = [codec.header_bytes(b) for b in bitstreams]
  return None if None in sizes else 8.0 * sum(sizes)
