"""Traces sandwich bounds on R(D): references, upper bounds, lower bounds and codecs over lambdas.

    python experiments/sandwich.py                          # the demo: banana, BA + UB + LB
    python experiments/sandwich.py --source=gaussian --dim=2 \
        --estimators=analytic,upper_bound,lower_bound --lambdas=1,3,10 --out=runs/gauss

Writes OUT/curves.csv (one row per estimator, lambda and seed; schema in README.md),
OUT/curves.png and OUT/config.json (every flag, the package versions and the run's job ids).
Re-running the same command resumes: finished jobs are kept, unfinished ones continue from
their checkpoints, and jobs added by codecs.py or evaluate.py stay part of the run.
"""

import os
import platform
import sys

from absl import flags

import cli
import config_flags
import run_folder
from rdbounds import estimators
from rdbounds import sources as sources_lib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DEMO = dict(source="banana", estimators="blahut_arimoto,upper_bound,lower_bound", lambdas="1,3,10")

FLAGS = flags.FLAGS
flags.DEFINE_string("source", DEMO["source"],
                    f"Source kind: {', '.join(sources_lib.SOURCE_KINDS)}. Unset: the demo.")
flags.DEFINE_integer("dim", None, "Dimension: N(0, I_dim) for gaussian; embedding dimension for banana.")
flags.DEFINE_string("gaussian_params", None, ".npz with arrays loc and scale (gaussian source).")
flags.DEFINE_integer("atoms", None, "Deconvolution source: number of atoms m (default 16; placed "
                     "by --seed, uniform in [-3, 3]^dim).")
flags.DEFINE_float("noise_std", None, "Deconvolution source: noise standard deviation s "
                   "(default 0.5).")
flags.DEFINE_string("train", None, ".npy of training samples, [N, n] or [N, H, W, C] (npy source).")
flags.DEFINE_string("test", None, ".npy of held-out samples; default: a seeded 10% of --train.")
flags.DEFINE_integer("intrinsic_dim", None, "Active latent coordinates of the gan source.")
flags.DEFINE_string("gan_module", None, "Local path of a TF-Hub BigGAN-deep module (gan source).")
flags.DEFINE_integer("gan_class", None, "ImageNet class of the BigGAN module.")
flags.DEFINE_float("truncation", None, "Truncation of the BigGAN module.")
flags.DEFINE_string("data", None, "Folder of PNG/JPEG images (images source).")
flags.DEFINE_integer("crop", None, "Crop size in pixels (images source).")
flags.DEFINE_list("lambdas", DEMO["lambdas"], "Multipliers lambda (slope -lambda of R(D)). "
                  "Unset: the demo's, or for image sources a grid spanning about 0.1-1.4 bits "
                  "per pixel.")
flags.DEFINE_list("estimators", DEMO["estimators"].split(","),
                  "Estimators: analytic, blahut_arimoto, upper_bound, wgd, lower_bound, or a "
                  "codec (codec:scalar, codec:jpeg, ...; see codecs.py).")
flags.DEFINE_enum("preset", None, list(estimators.PRESET_NAMES),
                  "Estimator presets. Unset: 'quick' for the demo (no --source), else 'default'.")
flags.DEFINE_integer("seed", 0, "Seed of every job (and of the held-out split of finite data).")
flags.DEFINE_string("out", "runs/demo", "Output directory.")
flags.DEFINE_string("dask", None, "Run jobs on Dask: local:N (N worker processes here) or tcp://HOST:PORT.")
flags.DEFINE_enum("units", "nats", ["nats", "bits"], "Rate units of the plot (vector sources).")
config_flags.define_all()


def source_options() -> dict:
  options = dict(kind=FLAGS.source, dim=FLAGS.dim, gaussian_params=FLAGS.gaussian_params,
                 train=FLAGS.train, test=FLAGS.test, seed=FLAGS.seed)
  for name in ("atoms", "noise_std"):
    if FLAGS[name].value is not None:
      options[name] = FLAGS[name].value
  image = dict(intrinsic_dim=FLAGS.intrinsic_dim, gan_module=FLAGS.gan_module,
               gan_class=FLAGS.gan_class, truncation=FLAGS.truncation, data=FLAGS.data,
               crop=FLAGS.crop)
  options.update({k: v for k, v in image.items() if v is not None})
  return options


def preset() -> str:
  if FLAGS.preset:
    return FLAGS.preset
  # The demo (no --source) stays quick whatever else is set, e.g. --out.
  return "default" if FLAGS["source"].present else "quick"


def lambdas():
  try:
    values = [float(l) for l in FLAGS.lambdas]
  except ValueError:
    raise ValueError(f"--lambdas must be numbers, got {','.join(FLAGS.lambdas)}") from None
  if not values or any(not l > 0 for l in values):
    raise ValueError(f"--lambdas must be positive, got {','.join(FLAGS.lambdas)}")
  return values


def requested_estimators():
  unknown = [n for n in FLAGS.estimators if n not in estimators.names()]
  if unknown:
    raise ValueError(f"unknown estimator(s) {', '.join(unknown)}; valid: "
                     f"{', '.join(estimators.names())}")
  return [estimators.get(n) for n in FLAGS.estimators]


def plan_jobs(chosen, source, preset_name, lambda_values, log):
  """The run's jobs, estimator by estimator; inapplicable estimators are skipped with a note."""
  jobs = []
  for estimator in chosen:
    reason = estimator.not_applicable(source)
    if reason:
      log(f"skipping {estimator.name}: {reason}")
      continue
    try:
      config = estimator.config(preset_name, source.is_image, source.has_whole_images,
                                **config_flags.overrides(estimator))
    except ValueError as e:
      raise ValueError(f"{estimator.name}: {e}") from None
    jobs.extend(estimator.plan_jobs(lambda_values, FLAGS.seed, config, source.spec))
  return jobs


def versions() -> dict:
  import importlib.metadata as metadata  # pylint: disable=g-import-not-at-top
  result = {"python": platform.python_version()}
  for package in ("rdbounds", "tensorflow", "tensorflow-probability", "tensorflow-compression",
                  "numpy", "scipy"):
    try:
      result[package] = metadata.version(package)
    except metadata.PackageNotFoundError:
      result[package] = None
  return result


def main(argv):
  del argv  # Positional arguments are not used.
  log = lambda line: print(line, flush=True)
  # Everything checkable without data or TensorFlow first: a typo costs no start-up time.
  preset_name, lambda_values, chosen = preset(), lambdas(), requested_estimators()
  for estimator in chosen:
    config_flags.overrides(estimator)
  options = source_options()
  spec = sources_lib.SourceSpec.from_options(**options)
  spec.check()  # Reads the data files with numpy: bad data is refused before TF loads.

  from rdbounds import curves, plots, sweep  # pylint: disable=g-import-not-at-top
  source = spec.build()
  if not FLAGS["lambdas"].present and source.default_lambdas:
    lambda_values = list(source.default_lambdas)
    log(f"{source.name}: lambdas {', '.join(f'{l:g}' for l in lambda_values)} (the image "
        f"default; --lambdas sets others)")
  jobs = plan_jobs(chosen, source, preset_name, lambda_values, log)
  if not jobs:
    raise ValueError("no estimator applies to this source; nothing to do")

  job_ids = [job.job_id for job in jobs]
  os.makedirs(FLAGS.out, exist_ok=True)
  config = dict(source_options=options, source=source.describe(), preset=preset_name,
                lambdas=lambda_values, estimators=list(FLAGS.estimators),
                flags={f.name: f.value for f in FLAGS.get_flags_for_module(sys.argv[0])},
                estimator_flags=config_flags.all_overrides(),
                held_out_files=source.held_out_files(), versions=versions(), jobs=job_ids,
                added_jobs=run_folder.jobs_added_earlier(FLAGS.out, source.describe()))
  run_folder.save(FLAGS.out, config)
  log(f"{source.name}: {len(jobs)} jobs ({preset_name} preset) -> {FLAGS.out}")

  png = os.path.join(FLAGS.out, "curves.png")
  draw = lambda records: plots.plot_curves(records, png, source=source, units=FLAGS.units)
  outcomes = sweep.run_sweep(jobs, FLAGS.out, executor=FLAGS.dask or "inprocess",
                             log=log, on_merge=draw, merged=run_folder.merged_ids(config))
  log(sweep.summary_table(outcomes))
  for outcome in outcomes:
    for record in outcome.records:
      if record.saturated and record.has_line:
        log(f"warning: lower bound at lambda={record.lmbda:g} is within "
            f"{1 - curves.SATURATION:.0%} of its ceiling ln k = {record.ceiling_nats:.3g} nats; "
            f"increase k for a meaningful bound")
      elif record.saturated:
        log(f"warning: {record.estimator} rate at lambda={record.lmbda:g} is within "
            f"{1 - curves.SATURATION:.0%} of its ceiling {record.ceiling_nats:.3g} nats; "
            f"use more particles")
  log(f"wrote {os.path.join(FLAGS.out, 'curves.csv')} and {png}")
  failed = [o for o in outcomes if o.status == "failed"]
  if failed:
    log(f"{len(failed)} of {len(outcomes)} jobs failed; see OUT/jobs/<job>/error.txt")
    return 1
  return 0


if __name__ == "__main__":
  cli.run(main, "sandwich.py")
