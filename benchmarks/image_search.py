"""Benchmark: the image presets' C_k search against slower references, on GAN draws.

The image presets search with a harder pruning margin and a coarser tolerance than the
library's default (margin 10, tol 1e-7), to afford large k, and their steps skip blocks of
far samples (`lower.config.IMAGE_SEARCH`, `search/blocks.py`). This measures what each buys
and whether it loses the sup: per case (GAN source at d and lambda), the default image
preset's particle log u is built as the `lower_bound` estimator builds it (WGD's particles on
the training pool, the floor for `--k`), then on `--draws` held-out draws of k each search in
`--searches` bounds log C_k through the preset's projection. Prints per draw and search the
seconds and log C_k, and against the first search listed (the reference) the difference and
the speed-up. Searches: `default` (the library's), `unblocked` (the image search stepping
against every sample), `image` (the presets'). log C_k adds each search's tol, so the image
search is 1e-4 above the default's when no sup is lost; below the reference would be a lost
sup, i.e. an overstated bound. The draws are evaluation seed 1, not the seed-0 draws the
`lower_bound` jobs of `benchmarks/image_sandwich.py` report.

    python benchmarks/image_search.py [--cases=d2-300,d4-100,d4-300] [--k=32768] [--draws=2]
        [--searches=default,image]

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
         "d4-2000": (4, 2000.0), "d2-4000": (2, 4000.0)}
SEARCHES = {"default": SearchOptions(),
            "unblocked": dataclasses.replace(lb_config.IMAGE_SEARCH, block_size=0),
            "image": lb_config.IMAGE_SEARCH}

flags.DEFINE_list("cases", ["d2-300", "d4-100", "d4-300"], f"Cases among {', '.join(CASES)}.")
flags.DEFINE_list("searches", ["default", "image"],
                  f"Searches among {', '.join(SEARCHES)}; the first is the reference.")
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
    FLAGS.searches = list(SEARCHES)
  unknown = set(FLAGS.cases) - set(CASES)
  if unknown:
    raise app.UsageError(f"unknown cases {sorted(unknown)}; valid: {', '.join(CASES)}")
  unknown = set(FLAGS.searches) - set(SEARCHES)
  if unknown or not FLAGS.searches:
    raise app.UsageError(f"unknown searches {sorted(unknown)}; valid: {', '.join(SEARCHES)}")
  for name in FLAGS.searches:
    options = SEARCHES[name]
    print(f"{name}: margin {options.prune_margin:g}, tol {options.tol:g}, blocks of "
          f"{options.block_size or 'none'}, skip {options.skip_nats:g} nats")
  reference = FLAGS.searches[0]
  print(f"C_k search on GAN draws of k = {FLAGS.k}: seconds and log C_k (nats); against "
        f"{reference}: difference and speed-up")
  print(f"{'case':8s} {'draw':>4s} {'search':>10s} {'seconds':>8s} {'log C_k':>9s} "
        f"{'- ' + reference:>14s} {'speed-up':>8s}", flush=True)
  for case in FLAGS.cases:
    d, lmbda = CASES[case]
    units = rescaled.Rescaled.of(sources.make_source("gan", intrinsic_dim=d), 0)
    standardized = units.lmbda(lmbda)
    log_u, projection = _preset_log_u(units, standardized, FLAGS.k)
    log_u_fn = tf.function(log_u, reduce_retracing=True)
    batches = units.test_batches(FLAGS.k, FLAGS.draws, seed=(1, streams.LB_EVALUATION))
    for j in range(FLAGS.draws):
      timed = {}
      for name in FLAGS.searches:
        started = time.time()
        statistics = evaluator.draw_statistics(log_u_fn, batches[j], standardized,
                                               SEARCHES[name], projection)
        timed[name] = (time.time() - started, statistics.log_c_k)
        seconds, log_c = timed[name]
        reference_seconds, reference_log_c = timed[reference]
        print(f"{case:8s} {j + 1:4d} {name:>10s} {seconds:8.1f} {log_c:9.5f} "
              f"{log_c - reference_log_c:+14.5f} {reference_seconds / seconds:7.1f}x",
              flush=True)


if __name__ == "__main__":
  app.run(main)
