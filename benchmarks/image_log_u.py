"""Benchmark: the image preset's particle log u against a CNN body above a floor.

The `lower_bound` estimator's default log u for images is a mixture of kernels at WGD's
particles above a floor, untrained (`lower.config.IMAGE_PRESETS["default"]`). The contender
is a CNN body above a learned floor,

    log u(x) = logaddexp(cnn(x), log_floor),

the CNN being the one the image presets used before the particles (`SETTINGS["old"]` of
`benchmarks/image_sandwich.py`: channels 32, 64, 64, Adam 1e-3, trained at k = 1024) and the
floor starting at -ln 1024 + 1 as a trained particle floor does. It trains on the preset's
pool with the preset's training search and projection, and is evaluated after each of
`--steps` (one run; the learning rate decays over the largest). Both are evaluated as the
estimator evaluates: the preset's k, M, search and projection, on the same held-out draws
(evaluation seed 0, those of `benchmarks/image_sandwich.py`'s jobs). Prints per log u the
seconds to build or train it, the seconds of its evaluation, and the line's bound (its 95%
interval's low end) with the mean (an estimate) and the high end beside it: both lines are
valid, so the higher bound is the tighter.

    python benchmarks/image_log_u.py [--d=2] [--lmbda=300] [--steps=100,1000]

Take timings with nothing else running.
"""

import dataclasses
import math
import os
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Loaded before app.run: TF 2.14's Keras, first imported inside absl's main, builds functional
# models from graph tensors and fails ("'SymbolicTensor' object has no attribute 'node'").
import tensorflow as tf  # pylint: disable=g-import-not-at-top,g-bad-import-order
from rdbounds.lower import config as lb_config  # pylint: disable=g-import-not-at-top
from rdbounds.lower import conv  # pylint: disable=g-import-not-at-top
from rdbounds.lower import estimator  # pylint: disable=g-import-not-at-top
from rdbounds.lower import evaluator  # pylint: disable=g-import-not-at-top
from rdbounds.lower import models  # pylint: disable=g-import-not-at-top
from rdbounds.lower import particle_log_u  # pylint: disable=g-import-not-at-top
from rdbounds.lower import trainer as trainer_lib  # pylint: disable=g-import-not-at-top
from rdbounds.sources import pooled  # pylint: disable=g-import-not-at-top
from rdbounds.sources import rescaled  # pylint: disable=g-import-not-at-top
from rdbounds import sources  # pylint: disable=g-import-not-at-top

CNN = dict(channels=(32, 64, 64), conv_blocks=0, lr=1e-3, k=1024)

flags.DEFINE_integer("d", 2, "Intrinsic dimension of the GAN source.")
flags.DEFINE_float("lmbda", 300.0, "Multiplier lambda (MSE per dimension).")
flags.DEFINE_list("steps", ["100", "1000"], "Training steps after which the CNN is evaluated.")
flags.DEFINE_integer("eval_k", None, "Samples per evaluation draw (none: the preset's).")
flags.DEFINE_enum("preset", "default", ["quick", "default", "paper"],
                  "Image preset of the particle log u and of the evaluation.")
flags.DEFINE_bool("smoke", False, "The smallest case (the quick preset on 64 particles, "
                  "evaluation at k = 256, the CNN after 2 steps): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


class FlooredNetwork(tf.keras.layers.Layer):
  """`[B, ...] -> [B]` logaddexp(network(x), log_floor), the floor a trained variable."""

  def __init__(self, network, log_floor: float):
    super().__init__(name="floored")
    self.network = network
    self.log_floor = tf.Variable(float(log_floor), name="log_floor")

  def call(self, x):
    return particle_log_u.above_floor(tf.reshape(self.network(x), [tf.shape(x)[0]]),
                                      self.log_floor)


def _line(log_u, units, lmbda, config, projection):
  started = time.time()
  evaluation = evaluator.evaluate(log_u, units, lmbda, config.eval_k, config.m, seeds=[0],
                                  search_options=config.search_options, projection=projection)
  return evaluation, time.time() - started


def _row(name, steps, setup_s, evaluation, eval_s):
  # The bound is the interval's low end; the mean beside it is an estimate.
  print(f"{name:28s} {steps:6d} {setup_s:8.0f} {eval_s:7.0f} {evaluation.ci_low:9.3f} "
        f"{evaluation.intercept:6.3f} {evaluation.ci_high:6.3f}", flush=True)


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.preset, FLAGS.eval_k, FLAGS.steps = "quick", 256, ["2"]
  steps = sorted(int(s) for s in FLAGS.steps)
  config = lb_config.IMAGE_PRESETS[FLAGS.preset]
  config = dataclasses.replace(config, eval_k=FLAGS.eval_k or config.eval_k)
  if FLAGS.smoke:
    config = dataclasses.replace(config, particles=64, particle_steps=20, train_pool=1024)
  units = rescaled.Rescaled.of(
      sources.make_source("gan", intrinsic_dim=FLAGS.d), 0)
  lmbda = units.lmbda(FLAGS.lmbda)
  projection = estimator.principal_projection(units, config, 0)
  pool = pooled.training_source(units, config.train_pool, 0)
  print(f"GAN d={FLAGS.d}, lambda={FLAGS.lmbda:g}: lines at k={config.eval_k}, M={config.m} "
        f"(ln k {math.log(config.eval_k):.2f} nats)")
  print(f"{'log u':28s} {'steps':>6s} {'setup s':>8s} {'eval s':>7s} {'bound':>9s} "
        f"{'mean':>6s} {'high':>6s}   (bound: the 95% interval's low end)", flush=True)

  started = time.time()
  particles = estimator.build_log_u(units, config, 0)
  estimator.start_particles(particles, pool, config, lmbda, config.eval_k, 0)
  setup_s = time.time() - started
  _row("particles (the preset)", 0, setup_s, *_line(particles, units, lmbda, config,
                                                    projection))

  started = time.time()
  cnn_config = dataclasses.replace(config, model="mlp", **CNN)
  cnn = conv.build_conv_log_u(units, cnn_config, 0)
  log_u = models.LogU(FlooredNetwork(cnn.network, particle_log_u.initial_log_floor(
      cnn_config.k, margin=1.0)), units.event_shape, cnn.loc.numpy(), cnn.scale.numpy())
  train = trainer_lib.LowerBoundTrainer(
      log_u, pool, trainer_lib.LambdaSchedule(lmbda, lmbda, steps[-1]), k=cnn_config.k,
      lr=cnn_config.lr, starts=cnn_config.starts, search_options=config.search_options,
      projection=projection, log_every=max(1, steps[-1] // 10), log=print)
  train_s = time.time() - started
  for until in steps:
    started = time.time()
    train.run_until(until)
    train_s += time.time() - started
    _row("CNN above a floor", until, train_s, *_line(log_u, units, lmbda, config, projection))


if __name__ == "__main__":
  app.run(main)
