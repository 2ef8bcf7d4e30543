"""The estimator registry: every estimator is a function `(source, job, context) -> [Record]`.

A `Job` is one unit of a sweep: an estimator at one lambda and seed with its (JSON-able)
configuration. The sweep runs jobs without knowing what they compute, and estimators never
touch flags or output files: they get a working directory for checkpoints (or None) and a
`log` callable for progress lines through `JobContext`.
"""

import dataclasses
import hashlib
import json
import time
from typing import Callable, Dict, List, Optional

import numpy as np

from rdbounds import blahut_arimoto
from rdbounds import curves
from rdbounds.sources import base


@dataclasses.dataclass(frozen=True)
class Job:
  """One estimator run.

  Attributes:
    estimator: registered estimator name.
    lmbda: the multiplier lambda.
    seed: seed of everything random in the job.
    config: estimator hyper-parameters (JSON-able dict).
    source: the source's description (part of the identity of the job).
  """
  estimator: str
  lmbda: float
  seed: int = 0
  config: dict = dataclasses.field(default_factory=dict)
  source: dict = dataclasses.field(default_factory=dict)

  @property
  def job_id(self) -> str:
    """Stable identifier: a readable prefix and a hash of everything that defines the job."""
    blob = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:10]
    return f"{self.estimator}-lambda={self.lmbda:g}-seed={self.seed}-{digest}"


@dataclasses.dataclass
class JobContext:
  """What an estimator may use besides the source and the job.

  Attributes:
    workdir: directory for this job's checkpoints and summaries, or None (no checkpoints).
    log: callable taking one progress line.
  """
  workdir: Optional[str] = None
  log: Callable[[str], None] = lambda line: None


EstimatorFn = Callable[[base.Source, Job, JobContext], List[curves.Record]]


@dataclasses.dataclass(frozen=True)
class Estimator:
  """A registered estimator.

  Attributes:
    name: CSV estimator name.
    run: the estimator function.
    not_applicable: returns a one-line reason when the estimator cannot run on a source.
    presets: preset name -> default config (e.g. "quick", "default", "paper").
  """
  name: str
  run: EstimatorFn
  not_applicable: Callable[[base.Source], Optional[str]] = lambda source: None
  presets: Dict[str, dict] = dataclasses.field(default_factory=dict)

  def config(self, preset: str, **overrides) -> dict:
    """The preset's config with the user's overrides.

    Presets may hold image-specific values under `image_<key>`; a user's value for `<key>`
    is meant for whatever source the run is on, so it replaces `image_<key>` too.
    """
    config = dict(self.presets.get(preset, self.presets.get("default", {})))
    unknown = set(overrides) - set(config)
    if unknown:
      raise ValueError(f"{self.name}: unknown options {sorted(unknown)}; valid: {sorted(config)}")
    for key, value in overrides.items():
      config[key] = value
      if f"image_{key}" in config:
        config[f"image_{key}"] = value
    return config


def image_config(config: dict, image_keys) -> dict:
  """`config` with every non-None `image_<key>` (key in `image_keys`) moved onto `<key>`.

  Estimators keep image-specific defaults beside the vector ones; on image sources these
  replace them.
  """
  config = dict(config)
  for key in image_keys:
    value = config.get("image_" + key)
    if value is not None:
      config[key] = value
  return config


REGISTRY: Dict[str, Estimator] = {}


def register(estimator: Estimator) -> Estimator:
  REGISTRY[estimator.name] = estimator
  return estimator


def get(name: str) -> Estimator:
  _load_plugins()
  if name not in REGISTRY:
    raise ValueError(f"unknown estimator {name!r}; valid: {', '.join(sorted(REGISTRY))}")
  return REGISTRY[name]


def names() -> List[str]:
  _load_plugins()
  return sorted(REGISTRY)


def _load_plugins():
  """Imports the modules that register the trained estimators (heavy; done on first use)."""
  import importlib
  for module in ("rdbounds.upper.estimator", "rdbounds.lower.estimator"):
    try:
      importlib.import_module(module)
    except ModuleNotFoundError as e:
      # Not installed (this module or its package) is fine; a missing dependency inside
      # an existing module is a real error.
      if not (module == e.name or module.startswith(f"{e.name}.")):
        raise


# ---------------------------------------------------------------------------------------
# Reference estimators


def _run_analytic(source, job, context):
  del context
  started = time.time()
  distortion, rate = source.analytic.point(job.lmbda)
  intercept = float(source.analytic.intercept(job.lmbda))
  return [curves.Record(
      source=source.name, estimator="analytic", lmbda=job.lmbda, distortion=float(distortion),
      rate_nats=float(rate), pixels_per_sample=source.pixels_per_sample,
      intercept_nats=intercept, intercept_ci_low=intercept, intercept_ci_high=intercept,
      seconds=time.time() - started, seed=job.seed, run_id=job.job_id)]


register(Estimator(
    name="analytic", run=_run_analytic,
    not_applicable=lambda s: None if s.analytic is not None else f"no closed-form R(D) for {s.name}",
    presets={"default": {}}))


def _run_blahut_arimoto(source, job, context):
  started = time.time()
  view = source.quadratic_view()
  config = job.config
  x = source.sample(config["samples"], seed=job.seed, split="train").numpy()
  context.log(f"blahut_arimoto: {config['samples']} samples, {config['bins']} bins per axis")
  result, = blahut_arimoto.sweep_samples(
      view.to_base(x), [job.lmbda], metric=view.metric, bins=config["bins"],
      tol=config["tol"], max_iterations=config["max_iterations"])
  if not result.converged:
    context.log(f"blahut_arimoto: bounds {result.intercept_upper - result.intercept_lower:.2g} "
                f"nats apart after {result.iterations} iterations at lambda={job.lmbda:g}")
  return [curves.Record(
      source=source.name, estimator="blahut_arimoto", lmbda=job.lmbda,
      distortion=result.distortion, rate_nats=result.rate_nats,
      intercept_nats=result.intercept_upper, intercept_ci_low=result.intercept_lower,
      intercept_ci_high=result.intercept_upper, n_eval=config["samples"],
      steps=result.iterations, seconds=time.time() - started, seed=job.seed,
      run_id=job.job_id)]


def _ba_not_applicable(source):
  if source.quadratic_view() is None:
    return f"Blahut-Arimoto needs a <= 2-d view of the source; {source.name} has none"
  return None


register(Estimator(
    name="blahut_arimoto", run=_run_blahut_arimoto, not_applicable=_ba_not_applicable,
    presets={
        "quick": {"samples": 200_000, "bins": 60, "tol": 1e-3, "max_iterations": 3000},
        "default": {"samples": 1_000_000, "bins": 100, "tol": 1e-3, "max_iterations": 5000},
        "paper": {"samples": 4_000_000, "bins": 140, "tol": 1e-4, "max_iterations": 20000},
    }))
