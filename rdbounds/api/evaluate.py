"""`rdbounds.reevaluate`: a finished run's trained models evaluated again, without training."""

from typing import Callable, Mapping, Optional, Sequence

from rdbounds import estimators as estimators_lib
from rdbounds.api import execute
from rdbounds.api import folder
from rdbounds.api import plan
from rdbounds.api import result as result_lib
from rdbounds.api import samples


def reevaluate(run: str, estimators: Sequence[str] = ("upper_bound", "lower_bound"),
               test=None, options: Optional[Mapping[str, Mapping[str, object]]] = None,
               dask: Optional[str] = None,
               log: Callable[[str], None] = print) -> result_lib.Result:
  """Evaluates every finished model of the chosen estimators again, with other settings.

  Each evaluation is a job keyed by its settings, like any job: the same call again does
  nothing, other settings add other rows. The rows join RUN/curves.csv (and stay there when
  `sandwich` runs on the folder again); the plot is redrawn.

  Args:
    run: a `sandwich` output folder whose jobs finished.
    estimators: estimators whose trained models are evaluated again.
    test: other held-out samples (an array `[N, ...]` with the run's sample shape, or a `.npy`
      path); only for runs on samples (npy sources).
    options: evaluation options per estimator, e.g. `{"lower_bound": {"eval_k": 16384,
      "m": 50}}` (only those that do not change the training: `Estimator.evaluation_options`).
    dask: None (this process), "local:N" or "tcp://HOST:PORT".
    log: receives progress lines.

  Returns:
    a `Result` with all of the run's rows.

  Raises:
    ValueError: one line: not a run folder, no finished job to evaluate, an option that
      would change the training, `test` for a synthetic source.
  """
  config = folder.load(run)
  chosen = plan.chosen(estimators)
  for estimator in chosen:
    if not estimator.evaluation_options:
      raise ValueError(f"{estimator.name} has no trained model to evaluate again")
  user_options = plan.check_options(options, chosen)
  source_options = dict(config["source_options"])
  if test is not None:
    if source_options["kind"] != "npy":
      raise ValueError(f"test applies to runs on samples (npy); this run's source is "
                       f"{source_options['kind']}")
    source_options["test"] = (samples.save(samples.as_samples(test, "test"), run, "test")
                              if not isinstance(test, str) else test)
  source = plan.source(source_options)
  jobs = []
  for job_id, described in folder.finished_jobs(run, config):
    estimator = next((e for e in chosen if e.name == described["estimator"]), None)
    if estimator is not None:
      trained = estimators_lib.Job.from_json(described)
      if trained.job_id != job_id:
        raise ValueError(f"{run}/jobs/{job_id}/job.json does not match its id")
      jobs.append(estimator.reevaluation(trained, source.spec,
                                         **user_options.get(estimator.name, {})))
  if not jobs:
    raise ValueError(f"{run} has no finished job of {', '.join(e.name for e in chosen)}")
  config["added_jobs"] += [j.job_id for j in jobs if j.job_id not in config["added_jobs"]]
  folder.save(run, config)
  log(f"{source.name}: evaluating {len(jobs)} trained model(s) again -> {run}")
  return execute.run(source, jobs, run, folder.merged_ids(config), dask=dask,
                     units=folder.units(config), log=log)
