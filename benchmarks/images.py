"""Benchmark of the image pieces at 32x32x3: sources, a conv beta-VAE step, an LB C_k draw.

Each case runs in a fresh subprocess (so its peak memory is its own) and prints one row:

  source       samples/s of the `gan` source (shipped generator, d = 2) and of an `images`
               folder (random 32x32 crops of ten 256x256 noise PNGs written to a temp dir)
  gan_draw_*   seconds for one evaluation draw of the default image preset's k GAN images
               (one timed draw): the generator called once on all of them (`whole`) or as
               the source calls it, `gan.DECODE_ROWS` images at a time (`pieces`); with the
               peak memory, what the pieces are for
  ub_step      seconds per training step of the upper bound's conv beta-VAE
               (`rdbounds.upper.conv`, built through `upper.vector_bound.build_model` with a
               preset's image entries: ResNet encoder -> Gaussian posterior, learned prior,
               conv decoder) and its compiled training step (`upper.train.make_one_step`)
               at the preset's image batch; `--preset` picks the preset (default: quick).
               `ub_step_xla`: the same step compiled with XLA (`--ub_jit_compile`).
  wgd_step     the same for the `wgd` upper bound, the GAN source's default: one Wasserstein
               gradient step of the preset's image particles on a batch of flattened images
               (`particles.trainer.make_one_step`).
               The step rows add steps/s and the preset's steps times s/step: a job's
               training time (the beta-VAE and WGD take very different numbers of steps).
  lb_draw      seconds per lower-bound C_k draw: k GAN samples, the LB's CNN log u
               (`rdbounds.lower.conv`, the default preset's image widths),
               then the LB's exhaustive batched mean-shift (`rdbounds.lower.search.exhaustive`,
               Gram form since n = 3072 > k), at k in {256, 1024}
  peak MB      peak resident memory of the subprocess

    python benchmarks/images.py [--repeats=5] [--lmbda=100] [--cases=source,ub_step,lb_draw_256]
    python benchmarks/images.py --cases=gan_draw_whole,gan_draw_pieces
    python benchmarks/images.py --cases=ub_step,ub_step_xla,wgd_step --preset=default
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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# TensorFlow and Keras must be imported before absl's app.run: importing them first inside
# main() makes Keras build functional models from graph tensors (SymbolicTensor errors).
import math  # pylint: disable=g-import-not-at-top,g-bad-import-order
import numpy as np  # pylint: disable=g-import-not-at-top
from PIL import Image  # pylint: disable=g-import-not-at-top
import tensorflow as tf  # pylint: disable=g-import-not-at-top
from rdbounds import sources  # pylint: disable=g-import-not-at-top
from rdbounds.sources import gan  # pylint: disable=g-import-not-at-top
from rdbounds.lower import config as lb_config  # pylint: disable=g-import-not-at-top
from rdbounds.lower import conv as lb_conv  # pylint: disable=g-import-not-at-top
from rdbounds.lower import search  # pylint: disable=g-import-not-at-top
from rdbounds.particles import config as wgd_config  # pylint: disable=g-import-not-at-top
from rdbounds.particles import measure as wgd_measure  # pylint: disable=g-import-not-at-top
from rdbounds.particles import trainer as wgd_trainer  # pylint: disable=g-import-not-at-top
from rdbounds.sources import flattened  # pylint: disable=g-import-not-at-top
from rdbounds.upper import config as ub_config  # pylint: disable=g-import-not-at-top
from rdbounds.upper import vector_bound as ub  # pylint: disable=g-import-not-at-top
from rdbounds.upper import train as ub_train  # pylint: disable=g-import-not-at-top

CASES = ("source", "gan_draw_whole", "gan_draw_pieces", "ub_step", "ub_step_xla", "wgd_step",
         "lb_draw_256", "lb_draw_1024")

# The GAN draws are opt-in: the whole draw needs about 20 GB.
flags.DEFINE_list("cases", [c for c in CASES if not c.startswith("gan_draw")],
                  "Cases among " + ", ".join(CASES) + ".")
flags.DEFINE_integer("repeats", 5, "Timed repetitions per case (after one warm-up).")
flags.DEFINE_float("lmbda", 100.0, "Multiplier lambda of the LB draw (MSE per dim).")
flags.DEFINE_enum("preset", "quick", ["quick", "default", "paper"],
                  "Preset whose image model and batch the step cases time.")
flags.DEFINE_string("child", None, "Internal: run this one case and print JSON.")
flags.DEFINE_bool("smoke", False, "The smallest case (source, wgd_step and lb_draw_256, one "
                  "repetition each): that the benchmark runs (`make bench-smoke`), not a measurement.")
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


def _step_seconds(step, source, batch, repeats):
  """Seconds per call of a compiled `(step, batch) -> metrics` training step, on fixed
  batches so that the time is the step's alone (sampling is the `source` case)."""
  batches = [source.sample(batch, seed=i) for i in range(repeats)]

  def run(i=0):
    step(tf.constant(i, tf.int64), batches[i])["loss"].numpy()

  return _timed(run, repeats)


def _step_row(config, seconds_per_step):
  return {"preset": FLAGS.preset, "batch": config.batch, "s/step": seconds_per_step,
          "steps/s": 1.0 / seconds_per_step, "steps": config.steps,
          "training s": config.steps * seconds_per_step}


def _ub_step_case(repeats, jit_compile: bool):
  source = sources.make_source("gan", intrinsic_dim=2)
  config = ub.resolve(ub_config.IMAGE_PRESETS[FLAGS.preset], FLAGS.lmbda, source.dim)
  model = ub.build_model(config, source.event_shape, seed=0)
  optimizer = ub_train.make_optimizer(config.lr, config.steps, config.lr_final_fraction)
  ub_train.build_optimizer_state(optimizer, model)
  step = tf.function(ub_train.make_one_step(
      model, optimizer, ub_train.rate_plus_lambda_distortion(FLAGS.lmbda), 0, config.clip_norm),
                     jit_compile=jit_compile)
  return _step_row(config, _step_seconds(step, source, config.batch, repeats))


def _wgd_step_case(repeats):
  source = flattened.Flattened(sources.make_source("gan", intrinsic_dim=2))
  config = wgd_config.IMAGE_PRESETS[FLAGS.preset]
  measure = wgd_measure.ParticleMeasure(
      wgd_trainer.initial_particles(source, config.particles, 0))
  responsibility = tf.Variable(tf.exp(measure.log_weights), trainable=False)
  optimizer = wgd_trainer.make_optimizer(config, FLAGS.lmbda, source.dim)
  optimizer.build([measure.particles])
  step = tf.function(wgd_trainer.make_one_step(measure, optimizer, responsibility, config,
                                               FLAGS.lmbda))
  return _step_row(config, _step_seconds(step, source, config.batch, repeats))


def _lb_draw_case(repeats, k):
  source = sources.make_source("gan", intrinsic_dim=2)
  config = lb_config.IMAGE_PRESETS["default"]
  log_u = tf.function(lb_conv.conv_log_u((32, 32, 3), config.channels, config.conv_blocks))
  info = {}

  def run(i=0):
    x = source.sample(k, seed=(7, i), split="test")
    log_w = -log_u(x) - math.log(k)
    result = search.find_mode(x, log_w, FLAGS.lmbda)
    info.update(log_c=float(result.log_c), iterations=int(result.iterations),
                unconverged=int(result.unconverged))

  seconds = _timed(run, repeats)
  return dict({"k": k, "s/draw": seconds}, **info)


def _gan_draw_case(whole: bool):
  """One evaluation draw of the default image preset's k GAN images, untimed warm-up aside:
  the generator called once on all of them (`whole`), or as the source calls it, in pieces
  of `gan.DECODE_ROWS`."""
  k = lb_config.IMAGE_PRESETS["default"].eval_k
  if whole:
    gan.DECODE_ROWS = k
  source = sources.make_source("gan", intrinsic_dim=2)
  source.sample(gan.DECODE_ROWS, seed=0)  # tracing
  start = time.perf_counter()
  source.sample(k, seed=(7, 0), split="test")
  return {"k": k, "calls": 1 if whole else -(-k // gan.DECODE_ROWS),
          "s/draw": time.perf_counter() - start}


def _child(case):
  repeats = FLAGS.repeats
  if case == "source":
    row = _source_case(repeats)
  elif case.startswith("gan_draw"):
    row = _gan_draw_case(whole=case == "gan_draw_whole")
  elif case.startswith("ub_step"):
    row = _ub_step_case(repeats, jit_compile=case == "ub_step_xla")
  elif case == "wgd_step":
    row = _wgd_step_case(repeats)
  else:
    row = _lb_draw_case(repeats, int(case.rsplit("_", 1)[1]))
  row["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
  print(json.dumps(row))


def main(argv):
  del argv
  if FLAGS.child:
    _child(FLAGS.child)
    return
  if FLAGS.smoke:
    FLAGS.cases, FLAGS.repeats = ["source", "wgd_step", "lb_draw_256"], 1
  unknown = set(FLAGS.cases) - set(CASES)
  if unknown:
    raise app.UsageError(f"unknown cases {sorted(unknown)}; valid: {', '.join(CASES)}")
  print(f"images benchmark at 32x32x3, lambda={FLAGS.lmbda:g}, {FLAGS.repeats} repeats")
  failed = 0
  for case in FLAGS.cases:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), f"--child={case}",
                          f"--repeats={FLAGS.repeats}", f"--lmbda={FLAGS.lmbda}",
                          f"--preset={FLAGS.preset}"],
                         capture_output=True, text=True, check=False)
    if out.returncode:
      print(f"{case:14s} FAILED: {out.stderr.strip().splitlines()[-1:]}")
      failed += 1
      continue
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{case:14s} " + "  ".join(
        f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}"
        for key, value in row.items()))
  return 1 if failed else 0  # A failed case fails the benchmark (and `make bench-smoke`).


if __name__ == "__main__":
  app.run(main)
