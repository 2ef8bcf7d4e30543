"""Traces sandwich bounds on R(D): references, upper bounds and lower bounds over lambdas.

    python experiments/sandwich.py                          # the demo: banana, BA + UB + LB
    python experiments/sandwich.py --source=gaussian --dim=2 \
        --estimators=analytic,upper_bound,lower_bound --lambdas=1,3,10 --out=runs/gauss

Writes OUT/curves.csv (one row per estimator, lambda and seed; schema in README.md),
OUT/curves.png and OUT/config.json (every flag and the package versions). Re-running the same
command resumes: finished jobs are kept, unfinished ones continue from their checkpoints.
"""

import json
import os
import platform
import sys

from absl import app
from absl import flags

# The binary is thin: everything below is flags -> library -> files.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rdbounds import curves  # pylint: disable=g-import-not-at-top
from rdbounds import estimators
from rdbounds import plots
from rdbounds import sources
from rdbounds import sweep

# Estimator-specific flags live next to this binary, one module per trained estimator.
ESTIMATOR_FLAG_MODULES = {"upper_bound": "upper_bound_flags", "lower_bound": "lower_bound_flags"}
_flag_modules = {}
for _name, _module in ESTIMATOR_FLAG_MODULES.items():
  try:
    _flag_modules[_name] = __import__(_module)
  except ModuleNotFoundError as e:
    if e.name != _module:  # Absent flags module: fine. A broken one: a real error.
      raise

DEMO = dict(source="banana", estimators="blahut_arimoto,upper_bound,lower_bound", lambdas="1,3,10")

FLAGS = flags.FLAGS
flags.DEFINE_string("source", DEMO["source"], "Source kind: banana, gaussian, npy (and image kinds when installed).")
flags.DEFINE_integer("dim", None, "Dimension: N(0, I_dim) for gaussian; embedding dimension for banana.")
flags.DEFINE_string("gaussian_params", None, ".npz with arrays loc and scale (gaussian source).")
flags.DEFINE_string("train", None, ".npy of training samples, [N, n] or [N, H, W, C] (npy source).")
flags.DEFINE_string("test", None, ".npy of held-out samples; default: a seeded 10% of --train.")
flags.DEFINE_integer("intrinsic_dim", None, "Active latent coordinates of the gan source.")
flags.DEFINE_string("gan_module", None, "Local path of a TF-Hub BigGAN-deep module (gan source).")
flags.DEFINE_integer("gan_class", None, "ImageNet class of the BigGAN module.")
flags.DEFINE_float("truncation", None, "Truncation of the BigGAN module.")
flags.DEFINE_string("data", None, "Folder of PNG/JPEG images (images source).")
flags.DEFINE_integer("crop", None, "Crop size in pixels (images source).")
flags.DEFINE_list("lambdas", DEMO["lambdas"], "Multipliers lambda (slope -lambda of R(D)).")
flags.DEFINE_list("estimators", DEMO["estimators"].split(","),
                  "Estimators: analytic, blahut_arimoto, upper_bound, lower_bound.")
flags.DEFINE_string("preset", None, "quick | default | paper. Unset: 'default', or 'quick' for the flagless demo run.")
flags.DEFINE_integer("seed", 0, "Seed of every job (and of the held-out split of finite data).")
flags.DEFINE_string("out", "runs/demo", "Output directory.")
flags.DEFINE_string("dask", None, "Run jobs on Dask: local:N (N worker processes here) or tcp://HOST:PORT.")
flags.DEFINE_enum("units", "nats", ["nats", "bits"], "Rate units of the plot (vector sources).")
flags.DEFINE_integer("ba_bins", None, "Blahut-Arimoto histogram bins per axis.")
flags.DEFINE_integer("ba_samples", None, "Samples behind the Blahut-Arimoto histogram.")


class CommandLineError(ValueError):
  pass


def _source_options():
  options = dict(kind=FLAGS.source, dim=FLAGS.dim, gaussian_params=FLAGS.gaussian_params,
                 train=FLAGS.train, test=FLAGS.test, seed=FLAGS.seed)
  image = dict(intrinsic_dim=FLAGS.intrinsic_dim, gan_module=FLAGS.gan_module,
               gan_class=FLAGS.gan_class, truncation=FLAGS.truncation, data=FLAGS.data,
               crop=FLAGS.crop)
  options.update({k: v for k, v in image.items() if v is not None})
  return options


def _preset():
  if FLAGS.preset:
    if FLAGS.preset not in ("quick", "default", "paper"):
      raise CommandLineError(f"--preset must be quick, default or paper, got {FLAGS.preset!r}")
    return FLAGS.preset
  # absl strips flags from argv; the flagless demo is recognised from sys.argv itself.
  return "quick" if len(sys.argv) == 1 else "default"


def _lambdas():
  try:
    lambdas = [float(l) for l in FLAGS.lambdas]
  except ValueError:
    raise CommandLineError(f"--lambdas must be numbers, got {','.join(FLAGS.lambdas)}") from None
  if not lambdas or any(not l > 0 for l in lambdas):
    raise CommandLineError(f"--lambdas must be positive, got {','.join(FLAGS.lambdas)}")
  return lambdas


def _estimator_config(name, preset):
  overrides = {}
  if name == "blahut_arimoto":
    overrides = {k: v for k, v in (("bins", FLAGS.ba_bins), ("samples", FLAGS.ba_samples)) if v}
  elif name in _flag_modules:
    overrides = _flag_modules[name].overrides()
  return estimators.get(name).config(preset, **overrides)


def _jobs(source, preset, lambdas, log):
  jobs = []
  for name in FLAGS.estimators:
    estimator = estimators.get(name)
    reason = estimator.not_applicable(source)
    if reason:
      log(f"skipping {name}: {reason}")
      continue
    config = _estimator_config(name, preset)
    plan = getattr(estimator, "plan_jobs", None)
    if plan:  # Estimators whose one run covers several lambdas (LB annealing) plan their own.
      jobs.extend(plan(lambdas, FLAGS.seed, config, source.describe()))
    else:
      jobs.extend(estimators.Job(name, l, FLAGS.seed, config, source.describe()) for l in lambdas)
  return jobs


def _versions():
  import importlib.metadata as metadata  # pylint: disable=g-import-not-at-top
  versions = {"python": platform.python_version()}
  for package in ("rdbounds", "tensorflow", "tensorflow-probability", "tensorflow-compression",
                  "numpy", "scipy"):
    try:
      versions[package] = metadata.version(package)
    except metadata.PackageNotFoundError:
      versions[package] = None
  return versions


def run(argv):
  log = lambda line: print(line, flush=True)
  del argv  # Positional arguments are not used.
  preset = _preset()
  lambdas = _lambdas()
  unknown = [n for n in FLAGS.estimators if n not in estimators.names()]
  if unknown:
    raise CommandLineError(f"unknown estimator(s) {', '.join(unknown)}; valid: {', '.join(estimators.names())}")
  source_options = _source_options()
  source = sources.make_source(**source_options)  # Validates the data before anything is written.
  jobs = _jobs(source, preset, lambdas, log)
  if not jobs:
    raise CommandLineError("no estimator applies to this source; nothing to do")

  os.makedirs(FLAGS.out, exist_ok=True)
  config = dict(source_options=source_options, source=source.describe(), preset=preset,
                lambdas=lambdas, estimators=list(FLAGS.estimators),
                flags={f.name: f.value
                       for module in [sys.argv[0], *_flag_modules.values()]
                       for f in FLAGS.get_flags_for_module(module)},
                versions=_versions())
  curves.atomic_write_text(os.path.join(FLAGS.out, "config.json"), json.dumps(config, indent=2) + "\n")
  log(f"{source.name}: {len(jobs)} jobs ({preset} preset) -> {FLAGS.out}")

  png = os.path.join(FLAGS.out, "curves.png")
  draw = lambda records: plots.plot_curves(records, png, source=source, units=FLAGS.units)
  outcomes = sweep.run_sweep(source_options, jobs, FLAGS.out, executor=FLAGS.dask or "inprocess",
                             log=log, on_merge=draw)
  log(sweep.summary_table(outcomes))
  for outcome in outcomes:
    for record in outcome.records:
      if record.ceiling_nats and record.intercept_nats is not None and \
          record.intercept_nats >= 0.95 * record.ceiling_nats:
        log(f"warning: lower bound at lambda={record.lmbda:g} is within 5% of its ceiling ln k = "
            f"{record.ceiling_nats:.3g} nats; increase k for a meaningful bound")
  log(f"wrote {os.path.join(FLAGS.out, 'curves.csv')} and {png}")
  failed = [o for o in outcomes if o.status == "failed"]
  if failed:
    log(f"{len(failed)} of {len(outcomes)} jobs failed; see OUT/jobs/<job>/error.txt")
    return 1
  return 0


def main(argv):
  try:
    return run(argv)
  except (CommandLineError, ValueError, FileNotFoundError) as e:
    print(f"sandwich.py: error: {e}", file=sys.stderr)
    return 2


if __name__ == "__main__":
  app.run(main)
