"""Benchmark: the GAN image sandwich with the default presets, old defaults beside the new.

For the shipped GAN source at intrinsic dimension d = 2 and 4 and two lambdas each, runs the
upper bound and the lower bound as `rdbounds.sandwich` runs them, and prints per case the
UB's R + lambda D (nats per image, on held-out samples), the LB's bound (its intercept's 95%
interval's low end) with the mean and the high end beside it, ln k of the LB's evaluation,
the gap (1 - LB / UB with LB the bound: it is below F with 95% confidence, the UB is at least
F, so F lies in between), and the seconds of each job. `--old` adds the defaults
before this benchmark existed (`SETTINGS["old"]`), run in the same process on the same cases.

    python benchmarks/image_sandwich.py [--old=first|all|none] [--cases=d2,d4] [--out=DIR]

Take timings with nothing else running on the machine. Each job's folder stays in
`--out` (default: a temporary folder), so a rerun with the same `--out` resumes and reports
the same rows.
"""

import dataclasses
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
# evaluation k when the cases were chosen; 32768 now), where the lower bound can be tight.
CASES = {"d2": (2, (300.0, 614.0)), "d4": (4, (100.0, 300.0))}
# Each row's upper bound and lower bound, as (estimator, option overrides of today's default
# preset). New: the GAN source's default estimators, WGD's particles, the tighter and faster
# image upper bound (the conv beta-VAE's defaults did not change), and the particle log u
# (WGD's particles, untrained, with a floor for the evaluation's k) with C_k through a
# projection. Old: the defaults before this
# benchmark existed, the beta-VAE and the CNN log u at k = 1024.
SETTINGS = {
    "new": (("wgd", {}), ("lower_bound", {})),
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

flags.DEFINE_enum("old", "first", ["first", "all", "none"],
                  "Old defaults (after all new rows): on the first lambda of the first case, on "
                  "every case, or not at all.")
flags.DEFINE_list("cases", list(CASES), f"Cases among {', '.join(CASES)}.")
flags.DEFINE_string("out", None, "Folder of the runs (kept; a rerun resumes). Default: temp.")
flags.DEFINE_enum("preset", "default", ["quick", "default", "paper"], "Estimator presets.")
flags.DEFINE_bool("smoke", False, "The smallest case (d = 2 at its first lambda, quick "
                  "presets on small pools, no old row): that the benchmark runs (`make bench-smoke`), not a measurement.")
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
  return (f"{label:17s} d={d} lambda={lmbda:<6g} UB R+lD {lagrangian:7.3f}  "
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
  print(f"GAN image sandwich ({FLAGS.preset} presets): UB R + lambda D (nats/image), LB = the "
        "95% interval's low end (mean and high end beside it), gap = 1 - LB / UB; seconds per "
        "job")
  cases = [(name, *CASES[name]) for name in FLAGS.cases]
  new = [("new", name, d, lmbda) for name, d, lambdas in cases for lmbda in lambdas]
  new = new[:1] if FLAGS.smoke else new
  old = [("old", *run[1:]) for run in new]
  runs = new + {"all": old, "first": old[:1], "none": []}[FLAGS.old]
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
