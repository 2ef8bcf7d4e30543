"""`rdbounds evaluate`: a finished run's trained models evaluated again, with other settings.

    rdbounds evaluate --run=runs/gauss --lb_eval_k=16384 --lb_m=50
    rdbounds evaluate --run=runs/mine --estimators=upper_bound --test=more.npy

For every finished job of the chosen estimators (default: upper_bound and lower_bound) it
adds a job that restores that job's trained model and evaluates it with the given settings,
without training (`rdbounds.reevaluate`). Only evaluation options can be set (--lb_eval_k,
--lb_m, --lb_eval_seeds, --lb_eval_seed, --lb_fit_to_data and the mode-search options;
--ub_eval_samples, --ub_eval_batch, --ub_eval_seed, and on photographs --ub_refine_steps and
--ub_refine_lr); --test replaces the held-out file of an npy source.
"""

from absl import flags

from rdbounds import estimators
from rdbounds.api import evaluate as evaluate_lib
from rdbounds.cli import config_flags

FLAGS = flags.FLAGS
flags.DEFINE_string("run", None, "A sandwich output folder whose jobs finished.")
flags.DEFINE_list("estimators", ["upper_bound", "lower_bound"],
                  "Estimators whose trained models are evaluated again.")
flags.DEFINE_string("test", None, "npy sources: another .npy of held-out samples.")
flags.DEFINE_string("dask", None, "Run jobs on Dask: local:N or tcp://HOST:PORT.")
for _estimator in estimators.all_estimators():
  if _estimator.evaluation_options:
    config_flags.define(_estimator, only=_estimator.evaluation_options)


def main(argv):
  if len(argv) > 1:
    raise ValueError(f"unexpected arguments {' '.join(argv[1:])} (flags are --name=value)")
  if not FLAGS.run:
    raise ValueError("--run=DIR is required (a sandwich output folder)")
  chosen = [estimators.get(n) for n in FLAGS.estimators if n in estimators.names()]
  options = {e.name: config_flags.overrides(e) for e in chosen}
  result = evaluate_lib.reevaluate(
      FLAGS.run, estimators=FLAGS.estimators, test=FLAGS.test,
      options={k: v for k, v in options.items() if v}, dask=FLAGS.dask,
      log=lambda line: print(line, flush=True))
  return 1 if result.failed else 0
