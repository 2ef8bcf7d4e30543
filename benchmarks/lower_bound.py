"""Benchmark of the `lower_bound` estimator: time per lambda and gap of the line to the true F.

Each configuration runs the estimator as a sweep does (standardized units, training, the
exhaustive-search evaluation at its own k) on sources with a closed-form intercept F(lambda):

  gaussian2        N(0, I_2) at --gaussian_lambdas
  deconvolution4   atoms + noise (n = 4, 16 atoms, s = 0.5) at lambda = n / (2 s^2) x
                   --multiples, for each atoms seed in --source_seeds (exact for those lambdas)

Configurations (--configs), all the `default` preset plus overrides:

  mlp              the default before the particle log u: 3x200 MLP, k = 4096, 3000 steps
  default          the `default` preset as it is now
  name:a=1;b=2     the default preset with these overrides, e.g. "fast:k=2048;steps=500"

One row per run: the line's bound (its intercept's 95% interval's low end), the mean and the
high end beside it, the gap 100 (1 - bound / F), the ceiling ln k, and the seconds of training
plus evaluation at the configuration's own k (compilation included). With --eval_ks, the same trained log u is evaluated again at each of those k
(`Estimator.reevaluation`, as experiments/evaluate.py does; seconds: that evaluation only).
The lower bound is valid when the bound is below F.

    python benchmarks/lower_bound.py --cases=gaussian2 --configs=mlp,default
    python benchmarks/lower_bound.py --cases=deconvolution4 --source_seeds=2,3 \\
        --configs=default --eval_ks=1024,16384
"""

import os
import tempfile
import time

from absl import app
from absl import flags

import tightness_cases

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASES = ("gaussian2", "deconvolution4")
NAMED = {
    "mlp": dict(model="mlp", k=4096, m=30, widths=(200, 200, 200), steps=3000, lr=1e-3),
    "default": {},
}

flags.DEFINE_list("cases", list(CASES), "Cases among " + ", ".join(CASES) + ".")
flags.DEFINE_list("configs", ["mlp", "default"],
                  "Configurations: mlp, default, or name:option=value;... (see the docstring).")
flags.DEFINE_list("source_seeds", ["2", "3"], "Atoms seeds of the deconvolution source.")
flags.DEFINE_list("multiples", ["1", "2"], "Deconvolution lambdas as multiples of n / (2 s^2).")
flags.DEFINE_list("gaussian_lambdas", ["10"], "Lambdas of N(0, I_2).")
flags.DEFINE_list("eval_ks", [], "Further evaluation k of each trained log u.")
flags.DEFINE_integer("eval_m", None, "Draws per seed M of the --eval_ks evaluations (none: the "
                     "configuration's).")
flags.DEFINE_integer("seed", 0, "Seed of every run (training data, particles, evaluation).")
flags.DEFINE_bool("smoke", False, "The smallest case (N(0, I_2) at lambda 10, the default "
                  "preset at k = 256 with 20 WGD and 20 training steps, M = 3): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


def configurations():
  """(name, overrides of the default preset) of each --configs entry."""
  for entry in FLAGS.configs:
    name, _, options = entry.partition(":")
    if name in NAMED and not options:
      yield name, NAMED[name]
    elif options:
      yield name, dict(item.split("=", 1) for item in options.split(";"))
    else:
      raise ValueError(f"unknown configuration {entry!r}; valid: {', '.join(NAMED)}, "
                       f"or name:option=value;...")


def runs():
  """(source, lambda) pairs of the benchmark."""
  return tightness_cases.source_lambdas(FLAGS.cases, FLAGS.gaussian_lambdas,
                                        FLAGS.source_seeds, FLAGS.multiples)


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.cases, FLAGS.eval_ks = ["gaussian2"], []
    FLAGS.configs = ["smoke:k=256;m=3;particles=64;particle_steps=20;steps=20"]
  from rdbounds import estimators  # pylint: disable=g-import-not-at-top
  entry = estimators.get("lower_bound")
  configs = [(name, entry.config("default", **overrides)) for name, overrides in configurations()]
  for name, config in configs:
    print(f"{name}: {config.describe_changes(entry.preset('default')) or 'the default preset'}")
  header = (f"{'source':<40} {'lambda':>7} {'config':<10} {'k':>6} {'M':>3} {'bound':>7} "
            f"{'mean':>7} {'high':>7} {'F':>7} {'gap %':>6} {'ln k':>5} {'seconds':>8}")
  print(header)
  print("-" * len(header))
  workdir = tempfile.mkdtemp(prefix="lower_bound_benchmark_")
  for source, lmbda in runs():
    truth = float(source.analytic.intercept(lmbda))
    for name, config in configs:
      job, = entry.plan_jobs([lmbda], FLAGS.seed, config, source.spec)
      again = dict(m=FLAGS.eval_m) if FLAGS.eval_m else {}
      jobs = [job] + [entry.reevaluation(job, source.spec, eval_k=int(k), **again)
                      for k in FLAGS.eval_ks]
      for each in jobs:
        started = time.time()
        record, = entry(source, each, estimators.JobContext(
            workdir=os.path.join(workdir, each.job_id)))
        seconds = time.time() - started
        k, m = each.config.eval_k or each.config.k, each.config.m
        print(f"{source.name:<40} {lmbda:>7.4g} {name:<10} {k:>6} {m:>3} "
              f"{record.intercept_bound:>7.3f} {record.intercept_nats:>7.3f} "
              f"{record.intercept_ci_high:>7.3f} {truth:>7.4f} "
              f"{100 * (1 - record.intercept_bound / truth):>6.1f} {record.ceiling_nats:>5.2f} "
              f"{seconds:>8.1f}", flush=True)


if __name__ == "__main__":
  app.run(main)
