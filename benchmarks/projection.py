"""Benchmark: what the projected search (an upper bound on C_k) loses and saves on GAN images.

For the shipped GAN source at d = 2 and 4, one held-out draw of k images with equal weights
(log w = -ln k: C_k of a constant u) and with random weights (log w ~ N(0, 1) - ln k: a
rough u), prints for each `--lb_projection` setting the
projected log C_k minus the exact one (never negative: the projection bounds C_k from
above; the excess is what it costs the lower bound, in nats) and both searches' seconds.
The exact search runs in Gram coordinates (n = 3072 > k), so k stays small.

    python benchmarks/projection.py [--k=1024] [--lambdas=614,6144]
        [--edges=64;128;256;128,256]
"""

import math
import os
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # pylint: disable=g-import-not-at-top,g-bad-import-order
from rdbounds import sources  # pylint: disable=g-import-not-at-top
from rdbounds.lower import search  # pylint: disable=g-import-not-at-top
from rdbounds.lower.search import projection  # pylint: disable=g-import-not-at-top

flags.DEFINE_integer("k", 1024, "Samples per draw.")
flags.DEFINE_list("lambdas", ["614", "6144"], "Multipliers lambda.")
flags.DEFINE_string("edges", "64;128;256;128,256", "Projection settings, ';'-separated.")
flags.DEFINE_integer("train", 8192, "Training samples the principal directions come from.")
flags.DEFINE_list("ds", ["2", "4"], "Intrinsic dimensions d of the GAN source.")
flags.DEFINE_bool("smoke", False, "The smallest case (d = 2, k = 128, one lambda, 64 "
                  "coordinates, 512 training samples): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


def _weights(k, kind):
  if kind == "equal":
    return np.full(k, -math.log(k))
  return np.random.default_rng(0).normal(size=k) - math.log(k)


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.ds, FLAGS.k, FLAGS.lambdas, FLAGS.edges, FLAGS.train = ["2"], 128, ["614"], "64", 512
  settings = [tuple(int(e) for e in s.split(",")) for s in FLAGS.edges.split(";")]
  print(f"projected minus exact log C_k (nats), k = {FLAGS.k}; seconds exact / projected")
  for d in map(int, FLAGS.ds):
    source = sources.make_source("gan", intrinsic_dim=d)
    train = source.sample(FLAGS.train, seed=1, split="train").numpy()
    x = source.sample(FLAGS.k, seed=5, split="test").numpy().reshape(FLAGS.k, -1)
    lifts = {edges: projection.Projection.principal(train, edges) for edges in settings}
    for kind in ("equal", "random"):
      log_w = _weights(FLAGS.k, kind)
      for lmbda in (float(l) for l in FLAGS.lambdas):
        started = time.time()
        exact = float(search.find_mode(x, log_w, lmbda).log_c)
        exact_seconds = time.time() - started
        cells = []
        for edges in settings:
          started = time.time()
          bound = float(projection.find_mode(x, log_w, lmbda, lifts[edges]).log_c)
          cells.append(f"{','.join(map(str, edges))}: {bound - exact:+.4f} "
                       f"({time.time() - started:.1f} s)")
        print(f"d={d} {kind:8s} lambda={lmbda:<6g} exact {exact:8.4f} ({exact_seconds:.1f} s)  "
              + "  ".join(cells), flush=True)


if __name__ == "__main__":
  app.run(main)
