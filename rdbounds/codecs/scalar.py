"""Entropy-coded uniform scalar quantization of each coordinate (the classical vector baseline).

Each coordinate `x_i` is quantized with one step size `delta` shared by all coordinates
(at high rate, equal steps give equal distortion per coordinate, which is what MSE per
dimension rewards; at low rate a step much wider than a coordinate's spread sends that
coordinate to a single index, which costs nothing: reverse water-filling by itself):

    k_i = round((x_i - mu_i) / delta),        mu_i = training mean of coordinate i.

Indices are coded with tfc's range coder using one probability table per coordinate, counted
on training data (with add-1/2 smoothing). Indices never seen in training are coded through
the range coder's overflow escape (Elias gamma), so every input is decodable. The decoder
reconstructs each index at the training centroid of its cell (the conditional mean, which is
what minimizes MSE for a fixed partition), or the cell midpoint for cells empty in training.

Bitstream of a block of B vectors: varint(B), then the range-coded indices, coordinate-major
within each vector.
"""

import math
from typing import List, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc

from rdbounds.codecs import base

PRECISION = 16  # Range coder precision (bits); tfc's maximum.
MAX_SYMBOLS = 4096  # Largest table per coordinate; rarer indices go through the overflow escape.


class ScalarQuantizer(base.Codec):
  """Uniform scalar quantizer + per-coordinate range coding, fitted on training samples.

  Args:
    train: `[N, n]` training samples (vectors).
    step: quantizer step size delta (same units as the data).
  """

  name = "scalar"
  per_sample_bitstreams = False

  def __init__(self, train, step: float):
    train = np.asarray(train, np.float64)
    if train.ndim != 2:
      raise ValueError(f"scalar quantization codes vectors [N, n], got shape {train.shape}")
    if not step > 0:
      raise ValueError(f"step must be positive, got {step}")
    self.step = float(step)
    self.setting = f"step={self.step:.4g}"
    self.dim = train.shape[1]
    self.mean = train.mean(axis=0)
    indices = self._indices(train)
    # Per-coordinate index range seen in training, clipped to MAX_SYMBOLS around the median.
    low, high = indices.min(axis=0), indices.max(axis=0)
    centre = np.median(indices, axis=0).astype(np.int64)
    low = np.maximum(low, centre - MAX_SYMBOLS // 2)
    high = np.minimum(high, low + MAX_SYMBOLS - 1)
    self.low = low.astype(np.int32)
    lengths = (high - low + 1).astype(np.int64)
    width = int(lengths.max())
    # Counts and sums per (coordinate, index) in one bincount over flattened cells.
    inside = (indices >= low) & (indices <= high)
    cells = np.where(inside, indices - low, 0) + width * np.arange(self.dim)
    weights = inside.astype(np.float64)
    counts = np.bincount(cells.ravel(), weights.ravel(), self.dim * width).reshape(self.dim, width)
    sums = np.bincount(cells.ravel(), (weights * train).ravel(), self.dim * width).reshape(self.dim, width)
    grid = (np.arange(width)[None, :] + low[:, None]) * self.step + self.mean[:, None]
    self.centroids = np.where(counts > 0, sums / np.maximum(counts, 1), grid)
    # Tables: smoothed pmf over the coordinate's range, zero beyond it, then the escape symbol.
    valid = np.arange(width)[None, :] < lengths[:, None]
    pmf = np.where(valid, counts + 0.5, 0.0)
    overflow = np.full((self.dim, 1), 0.5)
    pmf = np.concatenate([pmf, overflow], axis=1)
    pmf /= pmf.sum(axis=1, keepdims=True)
    self.lengths = lengths
    self.lookup = self._lookup_table(pmf, lengths)

  def _indices(self, x):
    return np.round((np.asarray(x, np.float64) - self.mean) / self.step).astype(np.int64)

  @staticmethod
  def _lookup_table(pmf, lengths):
    """The 1-D concatenation `[-precision, cdf...]` per coordinate that tfc's coder reads.

    The negative precision switches on the overflow escape; the escape is the last
    symbol of each table, placed right after the coordinate's own range.
    """
    tables = []
    for i, length in enumerate(lengths):
      p = np.concatenate([pmf[i, :length], pmf[i, -1:]]).astype(np.float32)
      cdf = tfc.pmf_to_quantized_cdf(tf.constant(p), precision=PRECISION)
      tables.append(np.concatenate([[-PRECISION], cdf.numpy()]))
    return tf.constant(np.concatenate(tables), tf.int32)

  def quantize(self, x) -> np.ndarray:
    """`[B, n]` reconstructions the decoder will output (without coding)."""
    return self._reconstruct(self._indices(x))

  def _reconstruct(self, indices):
    rel = indices - self.low
    inside = (rel >= 0) & (rel < self.lengths)
    # Gather each coordinate's centroid table at its index (vectorized over the batch).
    gathered = self.centroids[np.arange(self.dim)[None, :], np.where(inside, rel, 0)]
    midpoint = indices * self.step + self.mean
    return np.where(inside, gathered, midpoint).astype(np.float32)

  def encode(self, batch) -> List[bytes]:
    indices = self._indices(batch)
    symbols = tf.constant(indices - self.low, tf.int32)
    handle = tfc.create_range_encoder([], self.lookup)
    handle = tfc.entropy_encode_channel(handle, symbols)
    payload = tfc.entropy_encode_finalize(handle).numpy()
    return [base.encode_varint(indices.shape[0]) + payload]

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    data, = bitstreams
    count, position = base.decode_varint(data)
    handle = tfc.create_range_decoder(data[position:], self.lookup)
    handle, symbols = tfc.entropy_decode_channel(handle, [count, self.dim], tf.int32)
    if not bool(tfc.entropy_decode_finalize(handle)):
      raise ValueError("corrupt bitstream: range decoder sanity check failed")
    indices = symbols.numpy().astype(np.int64) + self.low
    return self._reconstruct(indices)


def step_sweep(train, num_steps: int = 7, coarsest: float = 4.0, finest: float = 1 / 16):
  """Step sizes for a rate sweep: a geometric grid of multiples of the RMS coordinate std."""
  spread = float(np.sqrt(np.mean(np.var(np.asarray(train, np.float64), axis=0))))
  return list(spread * np.geomspace(coarsest, finest, num_steps))
