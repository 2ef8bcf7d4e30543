"""Encode/decode throughput of every codec: samples/s and MB/s, printed as a table.

    python benchmarks/codecs.py                      # 2-d Gaussian vectors + 32x32 RGB images
    python benchmarks/codecs.py --vectors=20000 --images=128 --repeats=3

MB/s counts the uncompressed input (float32 for vectors, 8-bit pixels for images) per second,
the way codec throughput is usually quoted. Learned codecs are trained briefly (throughput
does not depend on how well they are trained). Each number is the best of `--repeats`
timings, after one warm-up call (which traces the compiled functions).
"""

import os
import sys
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # pylint: disable=g-import-not-at-top
import tensorflow as tf

from rdbounds.codecs import config as codec_config
from rdbounds.codecs import ntc
from rdbounds.codecs import pillow
from rdbounds.codecs import scalar
from rdbounds.sources import base as sources_base
from rdbounds.sources import make_source

FLAGS = flags.FLAGS
flags.DEFINE_integer("vectors", 10_000, "Vectors per encode call (one block).")
flags.DEFINE_integer("dim", 2, "Dimension of the Gaussian vector source.")
flags.DEFINE_integer("images", 64, "Images per encode call.")
flags.DEFINE_integer("size", 32, "Image height and width.")
flags.DEFINE_integer("repeats", 3, "Timings per codec (best is reported).")
flags.DEFINE_integer("ntc_steps", 200, "Training steps of the learned codecs.")
flags.DEFINE_bool("smoke", False, "The smallest case (500 vectors, 4 images, 5 training steps, "
                  "one timing): that the benchmark runs (`make bench-smoke`), not a measurement.")


class _SmoothImages(sources_base.Source):
  """Smooth random RGB images (bicubic upsampled noise) when no image source is installed."""

  def __init__(self, size):
    self.event_shape = (size, size, 3)
    self.name = f"smooth-{size}"

  def _sample(self, batch_size, seed, split):
    coarse = tf.random.stateless_normal([batch_size, 4, 4, 3], seed=seed)
    return tf.sigmoid(1.5 * tf.image.resize(coarse, self.event_shape[:2], method="bicubic"))


def _best_time(fn, repeats):
  fn()  # Warm-up: traces tf.functions, loads codec libraries.
  best = float("inf")
  for _ in range(repeats):
    started = time.perf_counter()
    result = fn()
    best = min(best, time.perf_counter() - started)
  return best, result


def _bench(codec, x, input_bytes, repeats):
  encode_s, bitstreams = _best_time(lambda: codec.encode(x), repeats)
  decode_s, _ = _best_time(lambda: codec.decode(bitstreams), repeats)
  n = x.shape[0]
  coded = sum(len(b) for b in bitstreams)
  return dict(codec=f"{codec.name} {codec.setting}", n=n,
              enc_sps=n / encode_s, enc_mbs=input_bytes / encode_s / 1e6,
              dec_sps=n / decode_s, dec_mbs=input_bytes / decode_s / 1e6,
              bits=8 * coded / n)


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.vectors, FLAGS.images, FLAGS.ntc_steps, FLAGS.repeats = 500, 4, 5, 1
  rows = []
  vectors = make_source("gaussian", dim=FLAGS.dim)
  x = vectors.sample(FLAGS.vectors, seed=1, split="test").numpy()
  train = vectors.sample(50_000, seed=0).numpy()
  for step in (1.0, 0.1):
    rows.append(_bench(scalar.ScalarQuantizer(train, step), x, x.nbytes, FLAGS.repeats))
  config = codec_config.NTCCodecConfig(steps=FLAGS.ntc_steps, batch_size=256)
  for lmbda in (1.0, 30.0):
    codec = ntc.train_vector_ntc(vectors, lmbda, config)
    rows.append(_bench(codec, x, x.nbytes, FLAGS.repeats))

  images = _SmoothImages(FLAGS.size)
  batch = images.sample(FLAGS.images, seed=1, split="test").numpy()
  pixel_bytes = batch.size  # 8-bit pixels.
  for kind in ("jpeg", "webp", "jpeg2000"):
    if not pillow.available(kind):
      continue
    qualities = codec_config.PILLOW_QUALITIES[kind]
    for quality in (qualities[1], qualities[-2]):
      rows.append(_bench(pillow.PillowCodec(kind, quality, images.event_shape), batch,
                         pixel_bytes, FLAGS.repeats))

  header = (f"{'codec':28s} {'samples':>8s} {'bits/sample':>11s} {'enc samples/s':>14s} "
            f"{'enc MB/s':>9s} {'dec samples/s':>14s} {'dec MB/s':>9s}")
  print(f"vectors: Gaussian dim={FLAGS.dim}, one block of {FLAGS.vectors}; images: "
        f"{FLAGS.size}x{FLAGS.size}x3 smooth, {FLAGS.images} per call; best of {FLAGS.repeats}")
  print(header)
  print("-" * len(header))
  for r in rows:
    print(f"{r['codec']:28s} {r['n']:8d} {r['bits']:11.2f} {r['enc_sps']:14.0f} "
          f"{r['enc_mbs']:9.2f} {r['dec_sps']:14.0f} {r['dec_mbs']:9.2f}")
  return 0


if __name__ == "__main__":
  app.run(main)
