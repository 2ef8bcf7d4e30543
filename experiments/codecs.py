"""Adds real codecs to a finished sandwich run and reports how far they are from the bounds.

    python experiments/sandwich.py --source=gaussian --dim=2 --out=runs/gauss ...
    python experiments/codecs.py --run=runs/gauss                 # all codecs for the source
    python experiments/codecs.py --run=runs/gan --codecs=jpeg,webp

Codecs are estimators (`codec:<name>`): this plans their jobs for the run's source, preset,
lambdas and seed (learned codecs get one job per lambda), runs them like any job (resumable,
keyed by their config), records them in RUN/config.json so that re-running sandwich.py keeps
their rows, merges RUN/curves.csv, redraws RUN/curves.png and writes RUN/report.md: each codec
point's distance to the UB and LB envelopes (nats at equal D for vectors, dB PSNR at equal bpp
for images) and each codec's BD-rate against the UB envelope. The same rows come from
`sandwich.py --estimators=...,codec:jpeg`.
"""

import os

from absl import flags

import cli
import run_folder
from rdbounds import curves
from rdbounds import estimators
from rdbounds import sources as sources_lib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CODECS = [e.name[len(curves.CODEC_PREFIX):] for e in estimators.all_estimators()
          if e.name.startswith(curves.CODEC_PREFIX)]

FLAGS = flags.FLAGS
flags.DEFINE_string("run", None, "A finished sandwich.py output folder (holds config.json).")
flags.DEFINE_list("codecs", None, f"Codecs to run; default: all that apply. Valid: {', '.join(CODECS)}.")
flags.DEFINE_enum("preset", None, list(estimators.PRESET_NAMES), "Codec presets; default: the run's preset.")
flags.DEFINE_list("lambdas", None, "Multipliers of learned codecs; default: the run's lambdas.")
flags.DEFINE_string("dask", None, "Run jobs on Dask: local:N or tcp://HOST:PORT.")


def main(argv):
  del argv
  log = lambda line: print(line, flush=True)
  if not FLAGS.run:
    raise ValueError("--run=DIR is required (a finished sandwich.py output folder)")
  run_config = run_folder.load(FLAGS.run)
  preset = FLAGS.preset or run_config.get("preset") or "default"
  try:
    lambdas = [float(l) for l in (FLAGS.lambdas or run_config.get("lambdas") or [])]
  except ValueError:
    raise ValueError(f"--lambdas must be numbers, got {','.join(FLAGS.lambdas)}") from None
  if any(not l > 0 for l in lambdas):
    raise ValueError("lambdas must be positive")
  unknown = [n for n in FLAGS.codecs or [] if n not in CODECS]
  if unknown:
    raise ValueError(f"unknown codec(s) {', '.join(unknown)}; valid: {', '.join(CODECS)}")

  from rdbounds import plots, sweep  # pylint: disable=g-import-not-at-top
  from rdbounds.codecs import report  # pylint: disable=g-import-not-at-top
  source = sources_lib.make_source(**run_config["source_options"])
  if FLAGS.codecs:
    chosen = [estimators.get(curves.CODEC_PREFIX + n) for n in FLAGS.codecs]
    reasons = [e.not_applicable(source) for e in chosen]
    if any(reasons):
      raise ValueError("; ".join(r for r in reasons if r))
  else:
    chosen = [estimators.get(curves.CODEC_PREFIX + n) for n in CODECS
              if estimators.get(curves.CODEC_PREFIX + n).not_applicable(source) is None]
  seed = run_config.get("flags", {}).get("seed", 0)
  jobs = [job for e in chosen
          for job in e.plan_jobs(lambdas, seed, e.preset_for(preset, source),
                                 source.spec)]
  if any(job.lmbda is not None for job in jobs) and not lambdas:
    raise ValueError("learned codecs need lambdas (none in config.json; pass --lambdas)")
  log(f"{source.name}: codecs {', '.join(e.name for e in chosen)} ({preset} preset) -> {FLAGS.run}")

  # These codecs' earlier jobs (another preset or lambdas) leave the run; others stay.
  names = {e.name for e in chosen}
  kept = [i for i in run_config.get("added_jobs", [])
          if not any(i.startswith(n.replace(":", "_") + "-") for n in names)]
  run_config["added_jobs"] = kept + [job.job_id for job in jobs]
  run_folder.save(FLAGS.run, run_config)

  png = os.path.join(FLAGS.run, "curves.png")
  units = run_config.get("flags", {}).get("units") or "nats"
  draw = lambda records: plots.plot_curves(records, png, source=source, units=units)
  outcomes = sweep.run_sweep(jobs, FLAGS.run, executor=FLAGS.dask or "inprocess", log=log,
                             on_merge=draw, merged=run_folder.merged_ids(run_config))
  records = curves.read_csv(os.path.join(FLAGS.run, "curves.csv"))
  text = report.markdown(records, source)
  curves.atomic_write_text(os.path.join(FLAGS.run, "report.md"), text)
  print(text)
  log(f"wrote {sum(len(o.records) for o in outcomes)} codec rows to "
      f"{os.path.join(FLAGS.run, 'curves.csv')}, {png} and {os.path.join(FLAGS.run, 'report.md')}")
  return 1 if any(o.status == "failed" for o in outcomes) else 0


if __name__ == "__main__":
  cli.run(main, "codecs.py")
