"""`rdbounds.sandwich`: bounds on R(D) from samples, at the chosen multipliers lambda."""

import contextlib
import os
import shutil
import tempfile
from typing import Callable, Mapping, Optional, Sequence

from rdbounds import sources
from rdbounds.api import execute
from rdbounds.api import folder
from rdbounds.api import plan
from rdbounds.api import result as result_lib
from rdbounds.api import samples

# The multipliers of a vector source when none are given (the demo's); image sources have a
# grid of their own (`Source.default_lambdas`).
VECTOR_LAMBDAS = (1.0, 3.0, 10.0)


def sandwich(data, lambdas: Optional[Sequence[float]] = None,
             estimators: Optional[Sequence[str]] = None, preset: str = "default",
             out: Optional[str] = None, test=None, seed: int = 0,
             options: Optional[Mapping[str, Mapping[str, object]]] = None,
             source_options: Optional[Mapping[str, object]] = None, dask: Optional[str] = None,
             units: str = "nats", log: Callable[[str], None] = print,
             provenance: Optional[Mapping[str, object]] = None) -> result_lib.Result:
  """Estimates sandwich bounds on the rate-distortion function R(D) of `data`'s source.

  Runs the jobs `rdbounds sandwich` runs: each estimator at each lambda (codecs: once, swept
  over their quality setting). Units: distortion D is MSE per dimension; rates R and
  intercepts are nats per sample. An upper-bound point (D, R) is achievable, so
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
      "wgd", "analytic", "blahut_arimoto", "codec:<name>". One that does not apply to the
      source is skipped with a note. None: the source's default (`plan.default_estimators`),
      upper_bound and lower_bound, but wgd and lower_bound for the gan source.
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

  Returns:
    a `Result`: `records` are the rows of OUT/curves.csv, one per estimator, lambda and seed;
    `failed` names the jobs that failed (their rows are missing).

  Raises:
    ValueError: one line, before any job runs: data with NaN or inf, of a wrong rank or too
      few; an unknown estimator, preset or option; lambdas not positive.
  """
  chosen = plan.chosen(estimators if estimators is not None
                       else plan.default_estimators(_source_kind(data)))
  plan.check_preset(preset)
  lambda_values = None if lambdas is None else plan.lambdas(lambdas)
  user_options = plan.check_options(options, chosen)
  if units not in ("nats", "bits"):
    raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
  with _run_folder(out) as run_dir:
    with _removed_on_error(run_dir if out is not None else None):
      source = plan.source(_source_options(data, test, seed, source_options, run_dir))
      if lambda_values is None:
        lambda_values = list(source.default_lambdas or VECTOR_LAMBDAS)
        log(f"{source.name}: lambdas {', '.join(f'{l:g}' for l in lambda_values)} (the "
            f"default for {'images' if source.is_image else 'vectors'})")
      if estimators is None:
        log(f"{source.name}: estimators {', '.join(e.name for e in chosen)} (the default for "
            f"this source)")
      jobs = plan.plan_jobs(chosen, source, preset, lambda_values, seed, user_options, log)
      if not jobs:
        raise ValueError("no estimator applies to this source; nothing to do")
    request = dict(preset=preset, lambdas=lambda_values, estimators=[e.name for e in chosen],
                   options=user_options, seed=seed, units=units)
    config = _save_config(run_dir, source, jobs, request, provenance)
    log(f"{source.name}: {len(jobs)} jobs ({preset} preset) -> {out or 'a temporary folder'}")
    result = execute.run(source, jobs, run_dir, folder.merged_ids(config), dask=dask,
                         units=units, draw=out is not None, log=log)
  if out is None:
    result.out = None
  else:
    log(f"wrote {os.path.join(out, 'curves.csv')} and {os.path.join(out, 'curves.png')}")
  return result


def _save_config(run_dir: str, source, jobs, request: dict,
                 provenance: Optional[Mapping[str, object]]) -> dict:
  """Writes and returns OUT/config.json: the request, the source, versions, the jobs' ids."""
  config = dict(source_options=source.spec.options(), source=source.describe(), **request,
                held_out_files=source.held_out_files(), versions=folder.versions(),
                jobs=[job.job_id for job in jobs],
                added_jobs=folder.jobs_added_earlier(run_dir, source.describe()),
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


def _named_source(data) -> Optional[str]:
  """The source kind `data` names (a string or path among `SOURCE_KINDS`), else None."""
  if isinstance(data, os.PathLike):
    data = os.fspath(data)
  return data if isinstance(data, str) and data in sources.SOURCE_KINDS else None


def _source_kind(data) -> str:
  """The kind of source `data` names, else "npy" (samples or their file)."""
  return _named_source(data) or "npy"


def _source_options(data, test, seed: int, source_options, run_dir: str) -> dict:
  """The `SourceSpec` options of `data` (arrays are saved into `run_dir`)."""
  if isinstance(data, os.PathLike):
    data = os.fspath(data)
  if _named_source(data):
    options = dict(source_options or {}, kind=data, seed=seed)
    if test is not None:
      if data != "npy":
        raise ValueError(f"test applies to samples (an array or .npy file), not to the "
                         f"{data} source")
      options["test"] = _test_path(test, None, run_dir)
    return options
  if source_options:
    raise ValueError("source_options apply to a named source, not to samples")
  if isinstance(data, str):
    if not data.endswith(".npy"):
      raise ValueError(f"data: {data!r} is neither a source ({', '.join(sources.SOURCE_KINDS)}) "
                       f"nor a .npy file")
    return dict(kind="npy", train=data, test=_test_path(test, None, run_dir), seed=seed)
  array = samples.as_samples(data, "data")
  if test is None and len(array) < 2:
    raise ValueError(f"data: {len(array)} sample; need at least 2 to hold some out")
  return dict(kind="npy", train=samples.save(array, run_dir, "train"),
              test=_test_path(test, array.shape[1:], run_dir), seed=seed)


def _test_path(test, sample_shape: Optional[tuple], run_dir: str) -> Optional[str]:
  """The held-out samples' file: `test` itself when it is a path, else `test` saved."""
  if test is None or isinstance(test, (str, os.PathLike)):
    return None if test is None else os.fspath(test)
  array = samples.as_samples(test, "test")
  if sample_shape is not None and array.shape[1:] != sample_shape:
    raise ValueError(f"test: sample shape {array.shape[1:]} differs from data's {sample_shape}")
  return samples.save(array, run_dir, "test")
