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
"""

import math
import time
from typing import List, Optional, Sequence

import numpy as np
import tensorflow as tf

from rdbounds import curves
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
  """Measures a codec's (D, R) point on `n_eval` held-out samples (split="test").

  The samples are drawn in blocks of `block_size`; each block is encoded, decoded, and its
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
    a `Record` with estimator `codec:<name>`, lambda `codec.lmbda`, rate in nats per sample.
  """
  started = time.time()
  num_blocks = max(1, math.ceil(n_eval / block_size))
  per_sample_mse, unit_bits, unit_samples = [], [], []
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
  return curves.Record(
      source=source.name, estimator=curves.CODEC_PREFIX + codec.name, lmbda=codec.lmbda,
      distortion=float(mse.mean()),
      distortion_se=float(mse.std(ddof=1) / math.sqrt(mse.size)) if mse.size > 1 else None,
      rate_nats=float(rate_bits * LN2),
      rate_nats_se=None if rate_se is None else rate_se * LN2,
      pixels_per_sample=source.pixels_per_sample, n_eval=int(mse.size), steps=codec.steps,
      seconds=seconds_offset + time.time() - started, seed=seed,
      run_id=run_id or f"codec:{codec.name}-{codec.setting}")
