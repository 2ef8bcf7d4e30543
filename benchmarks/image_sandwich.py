"""Benchmark: the GAN image sandwich with the default presets, earlier defaults beside them.

For the shipped GAN source at intrinsic dimension d = 2 and 4, runs the upper bound and the
lower bound as `rdbounds.sandwich` runs them, and prints per case the UB's R + lambda D (nats
per image, on held-out samples), its particles p and rate as a share of ln p (`*`: the row is
marked at its ceiling), the LB's bound (its intercept's 95% interval's low end) with the mean
and the high end beside it, ln k of the LB's evaluation, the gap (1 - LB / UB with LB the
bound: it is below F with 95% confidence, the UB is at least F, so F lies in between), and the
seconds of each job. Cases: `d2`, `d4` (rates well below the ceilings) and `d2-high`,
`d4-high` (lambda 3000; 1000 and 2000: where 1024 particles and k = 32768 run into ln p and
ln k). Settings, each run in the same process on the same cases:

  * `new`: today's defaults (wgd grows its particles above 80% of ln p up to 16384, trained
    on a pool of 65536, the evaluation k follows the rate up to 65536, the image search in
    float32 up to 0.15 nats of error);
  * `previous` (`--previous`): the defaults before that (1024 particles on a pool of 32768,
    k = 32768, float64 above 0.03 nats), by default on the higher-rate cases only;
  * `old` (`--old`): the defaults before this benchmark existed (beta-VAE, CNN log u).

    python benchmarks/image_sandwich.py [--cases=d2,d4,d2-high,d4-high] [--previous=high]
        [--old=first|all|none] [--nonew] [--out=DIR]
    python benchmarks/image_sandwich.py --smoke      # CI smoke: runs, measures nothing

Take timings with nothing else running on the machine. Each job's folder stays in
`--out` (default: a temporary folder), so a rerun with the same `--out` resumes and reports
the same rows.
"""

import dataclasses
import math
import os
import shutil
import tempfile
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import rdbounds  # pylint: disable=g-import-not-at-top,g-bad-import-order
from rdbounds.lower.search.options import SearchOptions  # pylint: disable=g-import-not-at-top
# Loaded before app.run: TF 2.14's Keras, first imported inside absl's main, builds functional
# models from graph tensors and fails ("'SymbolicTensor' object has no attribute 'node'").
import tensorflow  # pylint: disable=g-import-not-at-top,g-bad-import-order,unused-import

# (d, lambdas): lambdas whose UB R + lambda D stays below 0.7 ln 16384 = 6.8 nats (the
# evaluation k when the cases were chosen; 32768 now), where the lower bound can be tight;
# and one step up the rate axis (issue 38), where 1024 particles and k = 32768 ran into their
# ceilings (d = 4, lambda 2000: wgd's rate at 95% of ln 1024, the gap 48%).
CASES = {"d2": (2, (300.0, 614.0)), "d4": (4, (100.0, 300.0)),
         "d2-high": (2, (3000.0,)), "d4-high": (4, (1000.0, 2000.0))}
HIGH = ("d2-high", "d4-high")
# Each row's upper bound and lower bound, as (estimator, option overrides of today's default
# preset). New: the GAN source's default estimators, WGD's particles, the tighter and faster
# image upper bound (the conv beta-VAE's defaults did not change), and the particle log u
# (WGD's particles, untrained, with a floor for the evaluation's k) with C_k through a
# projection. Old: the defaults before this
# benchmark existed, the beta-VAE and the CNN log u at k = 1024.
SETTINGS = {
    "new": (("wgd", {}), ("lower_bound", {})),
    # Before rate ceilings were acted on: no particle growth, no k for the rate, float64 where
    # the float32 error at the samples passed the library's 0.03 nats.
    "previous": (("wgd", dict(grow_above=0.0, max_particles=0, train_pool=32_768)),
                 ("lower_bound", dict(max_eval_k=0, max_float32_error=0.03))),
    "old": (("upper_bound", {}),
            ("lower_bound", dict(model="mlp", k=1024, eval_k=None, m=30, steps=2000, lr=1e-3,
                                 channels=(32, 64, 64), projection=(), train_pool=0,
                                 # The library's default search (flattened options).
                                 **dataclasses.asdict(SearchOptions()),
                                 # Unused by the CNN; pinned so the job (and its cached
                                 # folder) stays the same when the particle preset moves.
                                 floor_margin=1.0, kernel_fraction=1.0))),
}

# --smoke: the quick presets on fewer particles and samples.
SMOKE_OPTIONS = {"wgd": dict(steps=50, train_pool=1024, eval_samples=1024),
                 "upper_bound": dict(steps=20),
                 "lower_bound": dict(particles=64, particle_steps=20, train_pool=1024,
                                     eval_k=512)}

flags.DEFINE_bool("new", True, "Today's defaults (--nonew: only the earlier defaults' rows, "
                  "to add them beside new rows measured before).")
flags.DEFINE_enum("old", "first", ["first", "all", "none"],
                  "Old defaults (after all new rows): on the first lambda of the first case, on "
                  "every case, or not at all.")
flags.DEFINE_enum("previous", "high", ["high", "all", "none"],
                  "The defaults before rate ceilings were acted on (after the new rows): on the "
                  "higher-rate cases, on every case, or not at all.")
flags.DEFINE_list("cases", list(CASES), f"Cases among {', '.join(CASES)}.")
flags.DEFINE_string("out", None, "Folder of the runs (kept; a rerun resumes). Default: temp.")
flags.DEFINE_enum("preset", "default", ["quick", "default", "paper"], "Estimator presets.")
flags.DEFINE_bool("smoke", False, "The smallest case (d = 2 at its first lambda, quick presets "
                  "on small pools, no other rows): that the benchmark runs (`make "
                  "bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


def _run(out, d, lmbda, estimator, options):
  started = time.time()
  options = dict(SMOKE_OPTIONS[estimator], **options) if FLAGS.smoke else options
  result = rdbounds.sandwich("gan", lambdas=[lmbda], estimators=[estimator], preset=FLAGS.preset,
                             out=out, options={estimator: options} if options else None,
                             source_options={"intrinsic_dim": d}, log=lambda line: None)
  if result.failed:
    raise RuntimeError(f"{estimator} at d={d} lambda={lmbda:g} failed: {result.failed}")
  record, = [r for r in result.records if r.estimator == estimator]
  return record, record.seconds or time.time() - started


def _row(label, d, lmbda, ub, ub_seconds, lb, lb_seconds):
  lagrangian = ub.rate_nats + lmbda * ub.distortion
  gap = 1.0 - lb.intercept_bound / lagrangian
  particles = round(math.exp(ub.ceiling_nats)) if ub.ceiling_nats else 0
  share = (f"p {particles:5d} R/ln p {100 * ub.rate_nats / ub.ceiling_nats:3.0f}%"
           f"{'*' if ub.is_at_ceiling else ' '}" if ub.ceiling_nats else " " * 21)
  return (f"{label:22s} d={d} lambda={lmbda:<6g} UB R+lD {lagrangian:7.3f} {share}  "
          f"LB {lb.intercept_bound:6.3f} (mean {lb.intercept_nats:6.3f}, high "
          f"{lb.intercept_ci_high:6.3f})  ln k {lb.ceiling_nats:5.2f}  gap {100 * gap:5.1f} %  "
          f"UB {ub_seconds:6.0f} s  LB {lb_seconds:6.0f} s")


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.cases, FLAGS.preset, FLAGS.old = ["d2"], "quick", "none"
  unknown = set(FLAGS.cases) - set(CASES)
  if unknown:
    raise app.UsageError(f"unknown cases {sorted(unknown)}; valid: {', '.join(CASES)}")
  root = FLAGS.out or tempfile.mkdtemp(prefix="image_sandwich-")
  print(f"GAN image sandwich ({FLAGS.preset} presets): UB R + lambda D (nats/image), its "
        "particles p and rate / ln p (* at its ceiling), LB = the 95% interval's low end (mean "
        "and high end beside it), gap = 1 - LB / UB; seconds per job")
  cases = [(name, *CASES[name]) for name in FLAGS.cases]
  new = [("new", name, d, lmbda) for name, d, lambdas in cases for lmbda in lambdas]
  if FLAGS.smoke:
    runs = new[:1]
  else:
    old = [("old", *run[1:]) for run in new]
    previous = [("previous", *run[1:]) for run in new
                if FLAGS.previous == "all" or (FLAGS.previous == "high" and run[1] in HIGH)]
    runs = ((new if FLAGS.new else []) + previous
            + {"all": old, "first": old[:1], "none": []}[FLAGS.old])
  try:
    for label, name, d, lmbda in runs:
      out = os.path.join(root, f"{label}-{name}-{lmbda:g}")
      (ub_name, ub_options), (lb_name, lb_options) = SETTINGS[label]
      ub, ub_seconds = _run(out, d, lmbda, ub_name, ub_options)
      lb, lb_seconds = _run(out, d, lmbda, lb_name, lb_options)
      print(_row(f"{label} ({ub_name})", d, lmbda, ub, ub_seconds, lb, lb_seconds),
            flush=True)
  finally:
    if FLAGS.out is None:
      shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
  app.run(main)
