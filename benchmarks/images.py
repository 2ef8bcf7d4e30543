"""Benchmark of the image pieces at 32x32x3: sources, a conv beta-VAE step, an LB C_k draw.

Each case runs in a fresh subprocess (so its peak memory is its own) and prints one row:

  source       samples/s of the `gan` source (shipped generator, d = 2) and of an `images`
               folder (random 32x32 crops of ten 256x256 noise PNGs written to a temp dir)
  ub_step      seconds per training step of a conv beta-VAE built from `rdbounds.nets`
               (ResNet encoder -> Gaussian posterior on a 4x4x8 latent map, standard normal
               prior, conv decoder; batch 32; Adam). A stand-in until the UB's conv model lands:
               it has the same nets and loss terms, so its cost is the UB step's.
  lb_draw      seconds per lower-bound C_k draw: k GAN samples, a `nets.conv_scalar_net` log u,
               then the LB's exhaustive batched mean-shift (`rdbounds.lower.mode_finding`,
               Gram form since n = 3072 > k), at k in {256, 1024}
  peak MB      peak resident memory of the subprocess

    python benchmarks/images.py [--repeats=5] [--lmbda=100] [--cases=source,ub_step,lb_draw_256]
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from absl import app
from absl import flags

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# TensorFlow and Keras must be imported before absl's app.run: importing them first inside
# main() makes Keras build functional models from graph tensors (SymbolicTensor errors).
import math  # pylint: disable=g-import-not-at-top,g-bad-import-order
import numpy as np  # pylint: disable=g-import-not-at-top
from PIL import Image  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top
from rdbounds import nets, sources  # pylint: disable=g-import-not-at-top
from rdbounds.lower import mode_finding  # pylint: disable=g-import-not-at-top

CASES = ("source", "ub_step", "lb_draw_256", "lb_draw_1024")

flags.DEFINE_list("cases", list(CASES), "Cases among " + ", ".join(CASES) + ".")
flags.DEFINE_integer("repeats", 5, "Timed repetitions per case (after one warm-up).")
flags.DEFINE_float("lmbda", 100.0, "Multiplier lambda of the LB draw (MSE per dim).")
flags.DEFINE_string("child", None, "Internal: run this one case and print JSON.")
FLAGS = flags.FLAGS


def _timed(fn, repeats):
  fn()  # Warm-up: tracing and compilation.
  start = time.perf_counter()
  for i in range(repeats):
    fn(i)
  return (time.perf_counter() - start) / repeats


def _source_case(repeats):
  gan = sources.make_source("gan", intrinsic_dim=2)
  folder = tempfile.mkdtemp()
  try:
    rng = np.random.default_rng(0)
    for i in range(10):
      Image.fromarray(rng.integers(0, 256, [256, 256, 3], dtype=np.uint8)).save(
          os.path.join(folder, f"{i}.png"))
    images = sources.make_source("images", data=folder, crop=32)
    gan_s = _timed(lambda i=0: gan.sample(256, seed=i), repeats)
    images_s = _timed(lambda i=0: images.sample(256, seed=i), repeats)
  finally:
    shutil.rmtree(folder)
  return {"gan samples/s": 256 / gan_s, "images samples/s": 256 / images_s}


def _ub_step_case(repeats):
  source = sources.make_source("gan", intrinsic_dim=2)
  encoder = nets.conv_encoder((32, 32, 3), (32, 64, 64), latent_channels=16)  # mean, log std
  decoder = nets.conv_decoder((32, 32, 3), (64, 64, 32), latent_channels=8)
  optimizer = tf.keras.optimizers.Adam(1e-4)
  lmbda = FLAGS.lmbda
  variables = encoder.trainable_variables + decoder.trainable_variables

  @tf.function
  def step(x, seed):
    with tf.GradientTape() as tape:
      mean, log_std = tf.split(encoder(x), 2, axis=-1)
      z = mean + tf.exp(log_std) * tf.random.stateless_normal(tf.shape(mean), seed)
      kl = tf.reduce_sum(0.5 * (tf.square(mean) + tf.exp(2 * log_std) - 1) - log_std, [1, 2, 3])
      mse = tf.reduce_mean(tf.square(x - decoder(z)), [1, 2, 3])
      loss = tf.reduce_mean(kl + lmbda * mse)
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  def run(i=0):
    step(source.sample(32, seed=i), tf.constant([i, 1])).numpy()

  return {"s/step": _timed(run, repeats)}


def _lb_draw_case(repeats, k):
  source = sources.make_source("gan", intrinsic_dim=2)
  log_u = tf.function(nets.conv_scalar_net((32, 32, 3), (32, 64, 64)))
  info = {}

  def run(i=0):
    x = source.sample(k, seed=(7, i), split="test")
    log_w = -log_u(x) - math.log(k)
    search = mode_finding.find_mode(x, log_w, FLAGS.lmbda)
    info.update(log_c=float(search.log_c), iterations=int(search.iterations),
                unconverged=int(search.unconverged))

  seconds = _timed(run, repeats)
  return dict({"k": k, "s/draw": seconds}, **info)


def _child(case):
  repeats = FLAGS.repeats
  if case == "source":
    row = _source_case(repeats)
  elif case == "ub_step":
    row = _ub_step_case(repeats)
  else:
    row = _lb_draw_case(repeats, int(case.rsplit("_", 1)[1]))
  row["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
  print(json.dumps(row))


def main(argv):
  del argv
  if FLAGS.child:
    _child(FLAGS.child)
    return
  unknown = set(FLAGS.cases) - set(CASES)
  if unknown:
    raise app.UsageError(f"unknown cases {sorted(unknown)}; valid: {', '.join(CASES)}")
  print(f"images benchmark at 32x32x3, lambda={FLAGS.lmbda:g}, {FLAGS.repeats} repeats")
  for case in FLAGS.cases:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), f"--child={case}",
                          f"--repeats={FLAGS.repeats}", f"--lmbda={FLAGS.lmbda}"],
                         capture_output=True, text=True, check=False)
    if out.returncode:
      print(f"{case:14s} FAILED: {out.stderr.strip().splitlines()[-1:]}")
      continue
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{case:14s} " + "  ".join(
        f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}"
        for key, value in row.items()))


if __name__ == "__main__":
  app.run(main)
