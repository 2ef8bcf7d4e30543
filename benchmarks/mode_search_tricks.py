"""Benchmark: what each speed-up of the evaluation search buys, and that it keeps the sup.

On the landscapes of `rdbounds.lower.search.cases` (random weights; the optimal u of a
low-rank Gaussian, flat; a random 3 x 200 MLP), for each k and n, times
`search.find_mode` (median of `--repeats` warm calls) with
  * default: pruning and candidate truncation on;
  * no_pruning: `prune_margin = inf`;
  * all_candidates: every converged start re-evaluated exactly (`num_candidates = k`);
  * none: both off (the reference),
and prints each one's log C minus the reference's (nats; the search's tol is 1e-7).

Usage: python benchmarks/mode_search_tricks.py [--ks=4096] [--ns=2,16,256] [--repeats=3]
       [--kinds=random,optimal,network]
"""

import math
import time

from absl import app
from absl import flags
import numpy as np

from rdbounds.lower import search
from rdbounds.lower.search import cases
from rdbounds.lower.search.options import SearchOptions

flags.DEFINE_list("ks", ["4096"], "Numbers of samples k.")
flags.DEFINE_list("ns", ["2", "16", "256"], "Dimensions n.")
flags.DEFINE_list("kinds", list(cases.KINDS), "Landscapes (cases.KINDS).")
flags.DEFINE_integer("repeats", 3, "Timed calls per variant (median reported).")
FLAGS = flags.FLAGS


def variants(k):
  return {"default": SearchOptions(),
          "no_pruning": SearchOptions(prune_margin=math.inf),
          "all_candidates": SearchOptions(num_candidates=k),
          "none": SearchOptions(prune_margin=math.inf, num_candidates=k)}


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
  names = list(variants(1))
  print(f"seconds (median of {FLAGS.repeats}) and log C - log C[none] (nats)")
  print(f"{'kind':>8} {'k':>6} {'n':>4} {'lambda':>7} " +
        " ".join(f"{name + ' s':>16}" for name in names) + " " +
        " ".join(f"{'d ' + name:>16}" for name in names[:-1]) + f" {'iters':>6}")
  for k in map(int, FLAGS.ks):
    for kind in FLAGS.kinds:
      for n in map(int, FLAGS.ns):
        x, log_w, lmbda = cases.case(kind, k, n)
        results = {name: timed(x, log_w, lmbda, options, FLAGS.repeats)
                   for name, options in variants(k).items()}
        reference = float(results["none"][0].log_c)
        unconverged = sum(int(r.unconverged) for r, _ in results.values())
        print(f"{kind:>8} {k:>6} {n:>4} {lmbda:>7g} " +
              " ".join(f"{results[name][1]:>16.3f}" for name in names) + " " +
              " ".join(f"{float(results[name][0].log_c) - reference:>16.1e}"
                       for name in names[:-1]) +
              f" {int(results['default'][0].iterations):>6}" +
              (f"  UNCONVERGED {unconverged}" if unconverged else ""), flush=True)


if __name__ == "__main__":
  app.run(main)
