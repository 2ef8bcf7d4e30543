"""Benchmark: seconds per lower-bound draw against k and Dask workers, on GAN images.

The lower bound's evaluation costs, per draw of k GAN images: drawing them (the generator),
log u and the lift to 256 principal coordinates (both ~k), and the exhaustive mode search
(~k^2: every start against every sample). The search can be spread over Dask workers
(`rdbounds.lower.search.spread`). Per case and k this builds the default image preset's
untrained particle log u (WGD's particles on the training pool, the floor for that k) and
times one held-out draw (evaluation seed 1): the draw, log u + lift, and the search (of the
lifted samples, without the lift's ~1e-12 rounding term) in this process (`--workers=0`)
and on a LocalCluster of N single-threaded worker processes for each N in `--workers`, with
log C_k beside each (the same sup: equal to float rounding). Then the cost model's seconds
per draw (`rdbounds/lower/eval_k.py`), priced with this machine's probes
(`rdbounds/lower/machine_speed.py`), and the two ratios the model holds as measured here:
where they differ from `eval_k`'s constants the model misprices this case.

    python benchmarks/search_workers.py [--cases=d4-2000] [--ks=16384,32768,65536]
        [--workers=0,1,2]

On one machine the workers share its cores, and TensorFlow already uses all of them in one
process: expect no gain there (each worker's TensorFlow threads compete), a gain only with
workers on other machines (`--scheduler=tcp://HOST:PORT`, whose workers must have rdbounds
installed). Take timings with nothing else running.
"""

import math
import os
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Loaded before app.run: TF 2.14's Keras, first imported inside absl's main, builds functional
# models from graph tensors and fails ("'SymbolicTensor' object has no attribute 'node'").
import numpy as np  # pylint: disable=g-import-not-at-top,g-bad-import-order
import tensorflow as tf  # pylint: disable=g-import-not-at-top,g-bad-import-order
from rdbounds import pieces  # pylint: disable=g-import-not-at-top
from rdbounds import sources  # pylint: disable=g-import-not-at-top
from rdbounds import streams  # pylint: disable=g-import-not-at-top
from rdbounds.lower import config as lb_config  # pylint: disable=g-import-not-at-top
from rdbounds.lower import estimator  # pylint: disable=g-import-not-at-top
from rdbounds.lower import eval_k  # pylint: disable=g-import-not-at-top
from rdbounds.lower import machine_speed  # pylint: disable=g-import-not-at-top
from rdbounds.lower.search import exhaustive  # pylint: disable=g-import-not-at-top
from rdbounds.lower.search import spread  # pylint: disable=g-import-not-at-top
from rdbounds.sources import pooled  # pylint: disable=g-import-not-at-top
from rdbounds.sources import rescaled  # pylint: disable=g-import-not-at-top
from rdbounds.sources.spec import SourceSpec  # pylint: disable=g-import-not-at-top

CASES = {"d2-300": (2, 300.0), "d4-300": (4, 300.0), "d2-3000": (2, 3000.0),
         "d4-1000": (4, 1000.0), "d4-2000": (4, 2000.0)}

flags.DEFINE_list("cases", ["d4-2000"], f"Cases among {', '.join(CASES)}.")
flags.DEFINE_list("ks", ["16384", "32768", "65536"], "Samples per draw.")
flags.DEFINE_list("workers", ["0", "1", "2"],
                  "0: the search in this process; N: on N Dask workers.")
flags.DEFINE_bool("smoke", False, "The smallest case (d = 2 at lambda 300, k = 1024, in process "
                  "and on one worker): that the benchmark runs (`make bench-smoke`), not a "
                  "measurement.")
flags.DEFINE_string("scheduler", None, "A running Dask scheduler (tcp://HOST:PORT) instead of "
                    "local clusters; its workers are used as they are.")
FLAGS = flags.FLAGS


def _clusters():
  """(label, spread) for each entry of --workers, or the scheduler's workers."""
  import logging  # pylint: disable=g-import-not-at-top
  from dask import distributed  # pylint: disable=g-import-not-at-top
  # Dask's INFO lines (workers starting and leaving) would bury the table.
  logging.getLogger("distributed").setLevel(logging.WARNING)
  if FLAGS.scheduler:
    client = distributed.Client(FLAGS.scheduler)
    yield "scheduler", spread.OnDask(client)
    client.close()
    return
  for n in (int(w) for w in FLAGS.workers):
    if n == 0:
      yield "in process", spread.IN_PROCESS
      continue
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield f"{n} worker{'s' * (n > 1)}", spread.OnDask(client)
    client.close()
    cluster.close()


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.cases, FLAGS.ks, FLAGS.workers = ["d2-300"], ["1024"], ["0", "1"]
  unknown = set(FLAGS.cases) - set(CASES)
  if unknown:
    raise app.UsageError(f"unknown cases {sorted(unknown)}; valid: {', '.join(CASES)}")
  config = lb_config.IMAGE_PRESETS["default"]
  print("Seconds per lower-bound draw of k GAN images (default image preset, untrained "
        "particle log u, evaluation seed 1): draw, log u + lift, search; log C_k (nats); the "
        "cost model's seconds per draw on this machine (its probes: rdbounds/lower/"
        "machine_speed.py), and the ratios the model holds, measured: (draw + log u + lift) "
        "/ (k t_draw), search / (k^2 t_pair)")
  # Each case and k: one log u (its floor set for k) and one draw, searched every way.
  prepared = []
  for name in FLAGS.cases:
    d, lmbda = CASES[name]
    spec = SourceSpec.from_options(kind="gan", intrinsic_dim=d)
    units = rescaled.Rescaled.of(sources.build(spec), 0)
    standardized = units.lmbda(lmbda)
    projection = estimator.principal_projection(units, config, 0)
    speed = machine_speed.measure(units)
    print(f"{name}: probes t_draw {speed.draw_seconds_per_sample:.3g} s per sample, t_pair "
          f"{speed.pair_seconds:.3g} s per pair", flush=True)
    for k in (int(k) for k in FLAGS.ks):
      log_u = estimator.build_log_u(units, config, 0)
      estimator.start_particles(log_u, pooled.training_source(units, config.train_pool, 0),
                                config, standardized, k, 0)
      started = time.time()
      x = units.test_batches(k, 1, seed=(1, streams.LB_EVALUATION))[0]
      drawn = time.time() - started
      started = time.time()
      log_w = -pieces.in_pieces(tf.function(log_u, reduce_retracing=True), x, rows=2048)
      log_w = log_w.numpy().astype(np.float64) - math.log(k)
      lifted = projection.lift(x.numpy())
      lifted_s = time.time() - started
      prepared.append((name, k, standardized, lifted, log_w, drawn, lifted_s,
                       x.shape[1] * x.shape[2] * x.shape[3], speed))
  for label, where in _clusters():
    for name, k, lmbda, lifted, log_w, drawn, lifted_s, n, speed in prepared:
      workers = getattr(where, "workers", 1)
      for rows in (256, 512):  # traced (twice: then for any shape) before the timed call
        exhaustive.find_mode(lifted[:rows], log_w[:rows], lmbda, options=config.search_options,
                             dims=n, spread=where)
      started = time.time()
      result = exhaustive.find_mode(lifted, log_w, lmbda, options=config.search_options,
                                    dims=n, spread=where)
      searched = time.time() - started
      print(f"{name:8s} k={k:<7d} {label:11s} draw {drawn:6.1f} s  log u + lift "
            f"{lifted_s:5.1f} s  search {searched:7.1f} s  log C_k {float(result.log_c):.6f}"
            f"  ({'float64' if bool(result.float64) else 'float32'}, "
            f"{int(result.iterations)} iterations)  model "
            f"{eval_k.seconds_per_draw(k, speed, workers):7.1f} s  ratios "
            f"{(drawn + lifted_s) / (k * speed.draw_seconds_per_sample):.2f}, "
            f"{searched * workers / (k * k * speed.pair_seconds):.2f}", flush=True)


if __name__ == "__main__":
  app.run(main)
