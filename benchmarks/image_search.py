"""Benchmark: the image presets' C_k search against the library's default, on GAN draws.

The image presets search with a harder pruning margin and a coarser tolerance
(`lower.config.IMAGE_SEARCH`: margin 3, tol 1e-4 nats) than the library's default (margin 10,
tol 1e-7), to afford k = 32768. This measures what that buys and whether it loses the sup: per
case (GAN source at d and lambda), the default image preset's particle log u is built as the
`lower_bound` estimator builds it (WGD's particles on the training pool, the floor for `--k`),
then on `--draws` held-out draws of k both searches bound log C_k through the preset's
projection. Prints per draw the seconds and log C_k of each, their difference (the image
search's log C_k adds its tol, so +1e-4 means the same sup; a negative difference would be a
lost sup, i.e. an overstated bound) and the speed-up. The draws are evaluation seed 1, not the
seed-0 draws the `lower_bound` jobs of `benchmarks/image_sandwich.py` report.

    python benchmarks/image_search.py [--cases=d2-300,d4-100,d4-300] [--k=32768] [--draws=2]

Take timings with nothing else running.
"""

import dataclasses
import os
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Loaded before app.run: TF 2.14's Keras, first imported inside absl's main, builds functional
# models from graph tensors and fails ("'SymbolicTensor' object has no attribute 'node'").
import tensorflow as tf  # pylint: disable=g-import-not-at-top,g-bad-import-order
from rdbounds import streams  # pylint: disable=g-import-not-at-top
from rdbounds.lower import config as lb_config  # pylint: disable=g-import-not-at-top
from rdbounds.lower import estimator  # pylint: disable=g-import-not-at-top
from rdbounds.lower import evaluator  # pylint: disable=g-import-not-at-top
from rdbounds.lower.search.options import SearchOptions  # pylint: disable=g-import-not-at-top
from rdbounds.sources import pooled  # pylint: disable=g-import-not-at-top
from rdbounds.sources import rescaled  # pylint: disable=g-import-not-at-top
from rdbounds import sources  # pylint: disable=g-import-not-at-top

CASES = {"d2-300": (2, 300.0), "d2-614": (2, 614.0), "d4-100": (4, 100.0),
         "d4-300": (4, 300.0), "d2-3000": (2, 3000.0), "d4-1000": (4, 1000.0),
         "d4-2000": (4, 2000.0)}
SEARCHES = (("default", SearchOptions()), ("image", lb_config.IMAGE_SEARCH))

flags.DEFINE_list("cases", ["d2-300", "d4-100", "d4-300"], f"Cases among {', '.join(CASES)}.")
flags.DEFINE_integer("k", 32_768, "Samples per draw.")
flags.DEFINE_integer("draws", 2, "Held-out draws per case.")
flags.DEFINE_enum("preset", "default", ["quick", "default", "paper"],
                  "Image preset whose particle log u is built.")
flags.DEFINE_bool("smoke", False, "The smallest case (d2-300, the quick preset's log u on 64 "
                  "particles, one draw of k = 256): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


def _preset_log_u(units, lmbda, k, seed=0):
  """The image preset's untrained particle log u at standardized `lmbda`, floor for k."""
  config = lb_config.IMAGE_PRESETS[FLAGS.preset]
  if FLAGS.smoke:
    config = dataclasses.replace(config, particles=64, particle_steps=20, train_pool=1024)
  log_u = estimator.build_log_u(units, config, seed)
  estimator.start_particles(log_u, pooled.training_source(units, config.train_pool, seed),
                            config, lmbda, k, seed)
  return log_u, estimator.principal_projection(units, config, seed)


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.cases, FLAGS.preset, FLAGS.k, FLAGS.draws = ["d2-300"], "quick", 256, 1
  unknown = set(FLAGS.cases) - set(CASES)
  if unknown:
    raise app.UsageError(f"unknown cases {sorted(unknown)}; valid: {', '.join(CASES)}")
  (_, default), (_, image) = SEARCHES
  print(f"C_k search on GAN draws of k = {FLAGS.k}: library default (margin "
        f"{default.prune_margin:g}, tol {default.tol:g}) against the image presets' (margin "
        f"{image.prune_margin:g}, tol {image.tol:g}); seconds and log C_k (nats)")
  print(f"{'case':8s} {'draw':>4s} {'default s':>9s} {'log C_k':>9s} {'image s':>8s} "
        f"{'log C_k':>9s} {'image - default':>15s} {'speed-up':>8s}", flush=True)
  for name in FLAGS.cases:
    d, lmbda = CASES[name]
    units = rescaled.Rescaled.of(sources.make_source("gan", intrinsic_dim=d),
                                 0)
    standardized = units.lmbda(lmbda)
    log_u, projection = _preset_log_u(units, standardized, FLAGS.k)
    log_u_fn = tf.function(log_u, reduce_retracing=True)
    batches = units.test_batches(FLAGS.k, FLAGS.draws, seed=(1, streams.LB_EVALUATION))
    for j in range(FLAGS.draws):
      x = batches[j]
      timed = []
      for _, options in SEARCHES:
        started = time.time()
        statistics = evaluator.draw_statistics(log_u_fn, x, standardized, options, projection)
        timed.append((time.time() - started, statistics.log_c_k))
      (default_s, default_c), (image_s, image_c) = timed
      print(f"{name:8s} {j + 1:4d} {default_s:9.1f} {default_c:9.5f} {image_s:8.1f} "
            f"{image_c:9.5f} {image_c - default_c:+15.5f} {default_s / image_s:7.1f}x",
            flush=True)


if __name__ == "__main__":
  app.run(main)
