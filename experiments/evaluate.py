"""Evaluates a finished run's trained models again, with other evaluation settings.

    python experiments/evaluate.py --run=runs/gauss --lb_eval_k=16384 --lb_m=50
    python experiments/evaluate.py --run=runs/mine --estimators=upper_bound --test=more.npy

For every finished job of the chosen estimators (default: upper_bound and lower_bound) it
plans a job that restores that job's trained model and evaluates it with the given settings
(more samples per draw, more draws, other evaluation seeds, other held-out data), without
training. Each such job is keyed by its settings, like any job: running the same command again
does nothing, another setting adds other rows. The rows join RUN/curves.csv (and stay there
when sandwich.py is run on the folder again); the plot is redrawn.

Only evaluation options can be set (--lb_eval_k, --lb_m, --lb_eval_seeds, --lb_eval_seed,
--lb_eval_search and the mode-search options; --ub_eval_samples, --ub_eval_batch,
--ub_eval_seed); --test replaces the held-out file of an npy source.
"""

import os

from absl import flags

import cli
import config_flags
import run_folder
from rdbounds import estimators
from rdbounds import sources as sources_lib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FLAGS = flags.FLAGS
flags.DEFINE_string("run", None, "A sandwich.py output folder whose jobs finished.")
flags.DEFINE_list("estimators", ["upper_bound", "lower_bound"],
                  "Estimators whose trained models are evaluated again.")
flags.DEFINE_string("test", None, "npy sources: another .npy of held-out samples.")
flags.DEFINE_string("dask", None, "Run jobs on Dask: local:N or tcp://HOST:PORT.")
for _estimator in estimators.all_estimators():
  if _estimator.evaluation_options:
    config_flags.define(_estimator, only=_estimator.evaluation_options)


def main(argv):
  del argv
  log = lambda line: print(line, flush=True)
  if not FLAGS.run:
    raise ValueError("--run=DIR is required (a sandwich.py output folder)")
  run_config = run_folder.load(FLAGS.run)
  chosen = []
  for name in FLAGS.estimators:
    estimator = estimators.get(name)
    if not estimator.evaluation_options:
      raise ValueError(f"{name} has no trained model to evaluate again")
    chosen.append(estimator)
  overrides = {e.name: config_flags.overrides(e) for e in chosen}
  options = dict(run_config["source_options"])
  if FLAGS.test:
    if options["kind"] != "npy":
      raise ValueError(f"--test applies to npy sources; this run's source is {options['kind']}")
    options["test"] = FLAGS.test
  spec = sources_lib.SourceSpec.from_options(**options)
  spec.check()

  from rdbounds import plots, sweep  # pylint: disable=g-import-not-at-top
  source = spec.build()
  jobs = []
  for job_id, described in run_folder.finished_jobs(FLAGS.run, run_config):
    estimator = next((e for e in chosen if e.name == described["estimator"]), None)
    if estimator is not None:
      trained = estimators.Job.from_json(described)
      if trained.job_id != job_id:
        raise ValueError(f"{FLAGS.run}/jobs/{job_id}/job.json does not match its id")
      jobs.append(estimator.reevaluation(trained, source.spec, **overrides[estimator.name]))
  if not jobs:
    raise ValueError(f"{FLAGS.run} has no finished job of {', '.join(FLAGS.estimators)}")
  run_config["added_jobs"] += [j.job_id for j in jobs if j.job_id not in run_config["added_jobs"]]
  run_folder.save(FLAGS.run, run_config)
  log(f"{source.name}: evaluating {len(jobs)} trained model(s) again -> {FLAGS.run}")

  png = os.path.join(FLAGS.run, "curves.png")
  units = run_config.get("flags", {}).get("units") or "nats"
  draw = lambda records: plots.plot_curves(records, png, source=source, units=units)
  outcomes = sweep.run_sweep(jobs, FLAGS.run, executor=FLAGS.dask or "inprocess",
                             log=log, on_merge=draw, merged=run_folder.merged_ids(run_config))
  log(sweep.summary_table(outcomes))
  return 1 if any(o.status == "failed" for o in outcomes) else 0


if __name__ == "__main__":
  cli.run(main, "evaluate.py")
