"""`rdbounds.sandwich`: bounds on R(D) from samples, at the chosen multipliers lambda."""

import contextlib
import os
import shutil
import tempfile
from typing import Callable, Mapping, Optional, Sequence

from rdbounds.api import execute
from rdbounds.api import folder
from rdbounds.api import plan
from rdbounds.api import result as result_lib


def sandwich(data, lambdas: Optional[Sequence[float]] = None,
             estimators: Optional[Sequence[str]] = None, preset: str = "default",
             out: Optional[str] = None, test=None, seed: int = 0,
             options: Optional[Mapping[str, Mapping[str, object]]] = None,
             source_options: Optional[Mapping[str, object]] = None, dask: Optional[str] = None,
             units: str = "nats", log: Callable[[str], None] = print,
             provenance: Optional[Mapping[str, object]] = None,
             keep_stale: bool = False) -> result_lib.Result:
  """Estimates sandwich bounds on the rate-distortion function R(D) of `data`'s source.

  Runs the jobs `rdbounds sandwich` runs: each estimator at each lambda (codecs: once, swept
  over their quality setting). The call is resolved once (`plan`): the request is checked,
  `data` becomes a source spec, both become a plan of jobs, which then runs. Units:
  distortion D is MSE per dimension; rates R and intercepts are nats per sample. An upper-bound point (D, R) is achievable, so
  R(D) <= R there; a lower-bound line says R(D') >= intercept - lambda D' at every D'.

  Args:
    data: the samples, one of
      * an array `[N, n]` (vectors) or `[N, H, W, C]` (images: floats in [0, 1] or uint8);
        a seeded 10% of its rows is held out for evaluation unless `test` is given;
      * the path of such a `.npy` file;
      * a source name, one of `rdbounds.sources.SOURCE_KINDS`, with its options in
        `source_options` (e.g. `"gaussian"` with `{"dim": 2}`).
    lambdas: multipliers lambda > 0, in nats per unit of D: the slope -lambda of R(D) where
      each estimator aims. None: (1, 3, 10) for vectors; for images a grid spanning about
      0.1-1.4 bits per pixel.
    estimators: names among `rdbounds.estimators.names()`: "upper_bound", "lower_bound",
      "wgd", "analytic", "blahut_arimoto", "high_rate", "codec:<name>". One that does not
      apply to the source is skipped with a note. None: the source's default
      (`plan.default_estimators`), upper_bound and lower_bound, but wgd and lower_bound for the
      gan source.
    preset: "quick" (seconds per lambda), "default" (minutes) or "paper".
    out: the run folder (OUT/curves.csv, curves.png, config.json, jobs/). A call with the same
      folder and request resumes: finished jobs are kept, unfinished ones continue from
      their checkpoints. None: a temporary folder, deleted before returning.
    test: held-out samples, an array or `.npy` path with `data`'s sample shape.
    seed: seed of every job and of the held-out split.
    options: options that override the preset, per estimator, named as the command line's
      flags without their prefix: `{"lower_bound": {"k": 4096}}` is `--lb_k=4096`.
    source_options: the options of a named source.
    dask: None (jobs run in this process), "local:N" (N worker processes) or
      "tcp://HOST:PORT" (a running scheduler; workers must see `out`).
    units: rate units of the plot for vector sources, "nats" or "bits".
    log: receives progress lines.
    provenance: JSON-able entries for OUT/config.json (the command line records its flags).
    keep_stale: keep the rows a finished job made in `out` with other code (another version
      or source of rdbounds) instead of computing them again with this code; they are
      marked in the CSV (`stale_code`) and in the printed table ("stale").

  Returns:
    a `Result`: `records` are the rows of OUT/curves.csv, one per estimator, lambda and seed;
    `failed` names the jobs that failed (their rows are missing).

  Raises:
    ValueError: one line, before any job runs: data with NaN or inf, of a wrong rank or too
      few; an unknown estimator, preset or option; lambdas not positive.
  """
  request = plan.Request.checked(estimators, preset, lambdas, options, seed, units)
  with _run_folder(out) as run_dir:
    with _removed_on_error(run_dir if out is not None else None):
      spec = plan.source_spec(data, test, seed, source_options, run_dir)
      the_plan = plan.make(spec, request, log).reusing(run_dir, keep_stale, log)
    config = _save_config(run_dir, the_plan, provenance)
    log(f"{the_plan.source.name}: {len(the_plan.jobs)} jobs ({preset} preset) -> "
        f"{out or 'a temporary folder'}")
    result = execute.run(the_plan.source, the_plan.jobs, run_dir, folder.merged_ids(config),
                         dask=dask, units=units, draw=out is not None, log=log)
  if out is None:
    result.out = None
  else:
    log(f"wrote {os.path.join(out, 'curves.csv')} and {os.path.join(out, 'curves.png')}")
  return result


def _save_config(run_dir: str, the_plan: plan.Plan,
                 provenance: Optional[Mapping[str, object]]) -> dict:
  """Writes and returns OUT/config.json: the request, the source, versions, the jobs' ids."""
  source = the_plan.source
  config = dict(source_options=source.spec.options(), source=source.describe(),
                **the_plan.request, held_out_files=source.held_out_files(),
                versions=folder.versions(), jobs=[job.job_id for job in the_plan.jobs],
                added_jobs=the_plan.added_jobs,
                **dict(provenance or {}))
  os.makedirs(run_dir, exist_ok=True)
  folder.save(run_dir, config)
  return config


@contextlib.contextmanager
def _run_folder(out: Optional[str]):
  """`out`, or a temporary folder that is deleted afterwards."""
  if out is not None:
    yield out
    return
  with tempfile.TemporaryDirectory(prefix="rdbounds-") as run_dir:
    yield run_dir


@contextlib.contextmanager
def _removed_on_error(run_dir: Optional[str]):
  """Removes `run_dir` if it did not exist and bad input stops the run: nothing is left."""
  existed = run_dir is None or os.path.exists(run_dir)
  try:
    yield
  except ValueError:
    if not existed:
      shutil.rmtree(run_dir, ignore_errors=True)
    raise
