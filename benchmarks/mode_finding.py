"""Benchmark: batched exhaustive mean-shift vs. one-start-at-a-time Adam (issue 5).

For k in {256, 1024, 2048} and n in {2, 16, 256, 3072}: samples from N(0, I_n), log weights
|x|^2 / (2 n) - log k (the shape of the optimal 1/u for a Gaussian, which flattens the
landscape), lambda = 10. Prints the wall time and best log C_k of
  * batched: `search.find_mode(..., starts="exhaustive")`, all k starts at once, and
    its mean-shift iterations ("iters");
  * reference: the original scheme, Adam (lr 1e-2) on y from one start at a time, at most
    1000 steps, stopping when |delta log f| < 1e-6 between consecutive steps; each climb is
    one compiled call. It runs on a random subset of starts and its time is extrapolated to
    all k (marked "extrap."); its best log C_k is then over that subset only, and "ref
    steps" is its mean number of steps per start.
Both sides are called once first (tracing/compilation is not timed) and then timed in steady
state; the batched time is the median of `--repeats` calls (one call takes well under a
second, so a single timing on a shared machine is noisy), the reference's is the total over
its subset of climbs.

Usage: python benchmarks/mode_finding.py [--ks=256,1024,2048] [--ns=2,16,256,3072]
       [--reference_starts=16] [--lmbda=10] [--repeats=3]
"""

import math
import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from rdbounds.lower import search

flags.DEFINE_list("ks", ["256", "1024", "2048"], "Numbers of samples k.")
flags.DEFINE_list("ns", ["2", "16", "256", "3072"], "Dimensions n.")
flags.DEFINE_integer("reference_starts", 16, "Starts climbed by the slow reference.")
flags.DEFINE_float("lmbda", 10.0, "Multiplier lambda.")
flags.DEFINE_integer("repeats", 3, "Timed batched calls (median reported).")
flags.DEFINE_integer("seed", 0, "Seed of the samples and the reference's subset.")
flags.DEFINE_bool("smoke", False, "The smallest case (k = 256, n = 2, 2 reference starts, one "
                  "call): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


@tf.function(reduce_retracing=True)
def adam_climb(x, log_w, lmbda, y0):
  """Adam ascent of log f(y) from y0 (lr 1e-2, <= 1000 steps, tol 1e-6).

  Each step evaluates log f at the current y and stops once it changed by less than the
  tolerance since the previous step. Returns (log f at the final y, steps taken).
  """
  lr, b1, b2, eps = 1e-2, 0.9, 0.999, 1e-7
  def value(y):
    return tf.reduce_logsumexp(log_w - lmbda * tf.reduce_mean(tf.square(x - y[None, :]), 1))

  def cond(t, y, m, v, previous, current):
    return tf.logical_and(t < 1000, tf.abs(current - previous) >= 1e-6)

  def body(t, y, m, v, previous, current):
    with tf.GradientTape() as tape:
      tape.watch(y)
      f = value(y)
    g = -tape.gradient(f, y)
    t1 = tf.cast(t + 1, tf.float32)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * tf.square(g)
    step = lr * (m / (1 - b1**t1)) / (tf.sqrt(v / (1 - b2**t1)) + eps)
    return t + 1, y - step, m, v, current, f

  zeros = tf.zeros_like(y0)
  # No value is known before the first step: (-inf, inf) keeps the loop going until two
  # consecutive steps have evaluated log f.
  steps, y, _, _, _, _ = tf.while_loop(
      cond, body, [tf.constant(0), y0, zeros, zeros, tf.constant(-np.inf), tf.constant(np.inf)])
  return value(y), steps


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.ks, FLAGS.ns, FLAGS.reference_starts, FLAGS.repeats = ["256"], ["2"], 2, 1
  rng = np.random.default_rng(FLAGS.seed)
  lmbda = FLAGS.lmbda
  header = (f"{'k':>5} {'n':>5} {'batched s':>10} {'batched log C':>14} {'iters':>6} "
            f"{'ref s (extrap.)':>16} {'ref log C (subset)':>19} {'ref steps':>10} "
            f"{'speed-up':>9}")
  print(f"lambda={lmbda:g}; batched: median of {FLAGS.repeats} warm calls; reference: Adam "
        f"from {FLAGS.reference_starts} random starts (warm), time extrapolated to all k starts")
  print(header)
  for k in map(int, FLAGS.ks):
    for n in map(int, FLAGS.ns):
      x = rng.normal(size=(k, n)).astype(np.float32)
      log_w = (0.5 * np.sum(x.astype(np.float64)**2, 1) / n - math.log(k)).astype(np.float32)
      search.find_mode(x, log_w, lmbda)  # trace
      times = []
      for _ in range(max(FLAGS.repeats, 1)):
        started = time.time()
        result = search.find_mode(x, log_w, lmbda)
        float(result.log_c)  # make sure the value has been computed
        times.append(time.time() - started)
      batched_seconds = float(np.median(times))
      subset = rng.choice(k, min(FLAGS.reference_starts, k), replace=False)
      xt, lw = tf.constant(x), tf.constant(log_w)
      adam_climb(xt, lw, tf.constant(lmbda, tf.float32), xt[0])  # trace
      started = time.time()
      climbs = [adam_climb(xt, lw, tf.constant(lmbda, tf.float32), xt[j]) for j in subset]
      ref = max(float(value) for value, _ in climbs)
      ref_seconds = (time.time() - started) * k / len(subset)
      ref_steps = np.mean([int(steps) for _, steps in climbs])
      print(f"{k:>5} {n:>5} {batched_seconds:>10.3f} {float(result.log_c):>14.6f} "
            f"{int(result.iterations):>6} {ref_seconds:>16.2f} {ref:>19.6f} {ref_steps:>10.0f} "
            f"{ref_seconds / batched_seconds:>8.0f}x", flush=True)


if __name__ == "__main__":
  app.run(main)
