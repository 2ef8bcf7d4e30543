"""Benchmark: what pruning buys the evaluation search, and that it keeps the sup.

On the landscapes of `rdbounds.lower.search.cases` (random weights; the optimal u of a
low-rank Gaussian, flat; a random 3 x 200 MLP), for each k and n, times
`search.find_mode` (median of `--repeats` warm calls) with
  * default: the library's search (`SearchOptions()`: prune margin 10, tol 1e-7; the vector
    presets');
  * image: the image presets' search (`lower.config.IMAGE_SEARCH`: prune margin 3, tol 1e-4);
  * no_pruning: the default's tol with `prune_margin = inf`, every start climbed to tol
    (the reference),
and prints each one's log C minus the reference's (nats). A search loses no sup when that
difference lies in [0, its tol] (log_c adds tol; `exhaustive` module docstring); a negative
one beyond float rounding is a lost sup.

Usage: python benchmarks/mode_search_tricks.py [--ks=4096] [--ns=2,16,256] [--repeats=3]
       [--kinds=random,optimal,network] [--smoke]
"""

import math
import time

from absl import app
from absl import flags
import numpy as np

from rdbounds.lower import config as lower_config
from rdbounds.lower import search
from rdbounds.lower.search import cases
from rdbounds.lower.search.options import SearchOptions

flags.DEFINE_list("ks", ["4096"], "Numbers of samples k.")
flags.DEFINE_list("ns", ["2", "16", "256"], "Dimensions n.")
flags.DEFINE_list("kinds", list(cases.KINDS), "Landscapes (cases.KINDS).")
flags.DEFINE_integer("repeats", 3, "Timed calls per variant (median reported).")
flags.DEFINE_bool("smoke", False, "The smallest case (k = 256, n = 2, one call each): "
                  "that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS

VARIANTS = {"default": SearchOptions(),
            "image": lower_config.IMAGE_SEARCH,
            "no_pruning": SearchOptions(prune_margin=math.inf)}


def timed(x, log_w, lmbda, options, repeats):
  search.find_mode(x, log_w, lmbda, options=options)  # trace
  times = []
  for _ in range(max(repeats, 1)):
    started = time.time()
    result = search.find_mode(x, log_w, lmbda, options=options)
    float(result.log_c)
    times.append(time.time() - started)
  return result, float(np.median(times))


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.ks, FLAGS.ns, FLAGS.repeats = ["256"], ["2"], 1
  names = list(VARIANTS)
  print(f"seconds (median of {FLAGS.repeats}) and log C - log C[no_pruning] (nats)")
  print(f"{'kind':>8} {'k':>6} {'n':>4} {'lambda':>7} " +
        " ".join(f"{name + ' s':>14}" for name in names) + " " +
        " ".join(f"{'d ' + name:>12}" for name in names[:-1]) + f" {'iters':>6}")
  for k in map(int, FLAGS.ks):
    for kind in FLAGS.kinds:
      for n in map(int, FLAGS.ns):
        x, log_w, lmbda = cases.case(kind, k, n)
        results = {name: timed(x, log_w, lmbda, options, FLAGS.repeats)
                   for name, options in VARIANTS.items()}
        reference = float(results["no_pruning"][0].log_c)
        unconverged = sum(int(r.unconverged) for r, _ in results.values())
        print(f"{kind:>8} {k:>6} {n:>4} {lmbda:>7g} " +
              " ".join(f"{results[name][1]:>14.3f}" for name in names) + " " +
              " ".join(f"{float(results[name][0].log_c) - reference:>12.1e}"
                       for name in names[:-1]) +
              f" {int(results['default'][0].iterations):>6}" +
              (f"  UNCONVERGED {unconverged}" if unconverged else ""), flush=True)


if __name__ == "__main__":
  app.run(main)
