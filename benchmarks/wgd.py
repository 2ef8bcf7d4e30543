"""Benchmark of the `wgd` estimator: gap of its held-out points to the true R(D), and time.

Cases: N(0, I_2) at lambda = 3, 10, and the deconvolution sources (dim=4, atoms=16, s=0.5)
and (dim=8, atoms=32, s=0.6) at lambda = n / (2 s^2) x {1, 2, 4}, where R(D) is known in
closed form (D <= s^2), for each atoms seed in --source_seeds. One row per run:

  D, R      held-out point (MSE per dim, nats) of the trained particles' encoder
  R(D)      the true rate at the point's own D. At lambda = n / (2 s^2) the point may land a
            little beyond D = s^2, where the closed form ends; there R(D) is replaced by the
            tangent F - lambda D <= R(D) (marked *), which overstates the gap.
  gap %     100 (R / R(D) - 1): >= 0 up to noise (the point is achievable)
  gap L %   100 (R + lambda D - F(lambda)) / F(lambda): the Lagrangian's excess
  R se      standard error of R (the Monte Carlo SE of I(X; Y) in R(D) is ~1e-3 nats)
  ln p      the rate ceiling; seconds: training + evaluation (compilation included)

    python benchmarks/wgd.py --preset=default --source_seeds=1,2
"""

import os
import time

from absl import app
from absl import flags

import tightness_cases

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASES = tightness_cases.CASES

flags.DEFINE_string("preset", "default", "Preset of the wgd estimator.")
flags.DEFINE_list("cases", list(CASES), "Cases among " + ", ".join(CASES) + ".")
flags.DEFINE_list("source_seeds", ["1", "2"], "Atoms seeds of the deconvolution sources.")
flags.DEFINE_list("multiples", ["1", "2", "4"],
                  "Deconvolution lambdas as multiples of n / (2 s^2).")
flags.DEFINE_list("gaussian_lambdas", ["3", "10"], "Lambdas of N(0, I_2).")
flags.DEFINE_integer("seed", 0, "Seed of every run (data, initial particles, evaluation).")
flags.DEFINE_list("overrides", [], "Config overrides name=value, e.g. particles=4096.")
flags.DEFINE_bool("smoke", False, "The smallest case (N(0, I_2) at lambda 3, the quick preset): "
                  "that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


def runs():
  """(source, lambda) pairs of the benchmark."""
  return tightness_cases.source_lambdas(FLAGS.cases, FLAGS.gaussian_lambdas,
                                        FLAGS.source_seeds, FLAGS.multiples)


def true_rate(source, lmbda, distortion):
  """(R(D) at the point's D, whether it is the tangent lower bound at D = s^2)."""
  import math  # pylint: disable=g-import-not-at-top
  rate = float(source.analytic.rate(distortion))
  if not math.isnan(rate):
    return rate, False
  floor = source.analytic.min_lambda
  return float(source.analytic.intercept(floor)) - floor * distortion, True


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.preset, FLAGS.cases, FLAGS.gaussian_lambdas = "quick", ["gaussian2"], ["3"]
  from rdbounds.particles import config  # pylint: disable=g-import-not-at-top
  from rdbounds.particles import evaluate  # pylint: disable=g-import-not-at-top
  from rdbounds.particles import trainer  # pylint: disable=g-import-not-at-top
  cfg = config.PRESETS[FLAGS.preset].override(
      **dict(item.split("=", 1) for item in FLAGS.overrides))
  print(f"wgd preset {FLAGS.preset}: {cfg.describe_changes(config.WGDConfig()) or 'defaults'}")
  header = (f"{'source':<44} {'lambda':>7} {'D':>8} {'R':>8} {'R(D)':>8} {'gap %':>7} "
            f"{'gap L %':>7} {'R se':>7} {'ln p':>6} {'seconds':>8}")
  print(header)
  print("-" * len(header))
  for source, lmbda in runs():
    started = time.time()
    measure, _ = trainer.train(source, cfg, lmbda, FLAGS.seed, log=lambda line: None)
    ev = evaluate.evaluate(measure, source, lmbda, cfg.eval_samples, cfg.eval_batch,
                           seed=FLAGS.seed, particle_chunk=cfg.eval_particle_chunk)
    seconds = time.time() - started
    truth, tangent = true_rate(source, lmbda, ev.distortion.mean)
    intercept = float(source.analytic.intercept(lmbda))
    print(f"{source.name:<44} {lmbda:>7.4g} {ev.distortion.mean:>8.4f} {ev.rate.mean:>8.4f} "
          f"{truth:>8.4f}{'*' if tangent else ' '}{100 * (ev.rate.mean / truth - 1):>+7.2f} "
          f"{100 * (ev.lagrangian.mean / intercept - 1):>+7.2f} {ev.rate.se:>7.4f} "
          f"{ev.ceiling:>6.2f} {seconds:>8.1f}", flush=True)


if __name__ == "__main__":
  app.run(main)
