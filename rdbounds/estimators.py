"""The estimator registry: every estimator is a function `(source, job, context) -> [Record]`.

An `Estimator` entry names the function (imported on first use, so the registry, the
configurations and the flags built from them load without TensorFlow), its configuration
class (a frozen `rdbounds.config.Config`), its presets (instances: `quick`, `default`,
`paper`, with image-source variants where they differ), which sources it applies to, and
how a sweep plans its jobs. Codecs are estimators like the others (`codec:<name>`).

A `Job` is one unit of a sweep: an estimator at one lambda (or none, for codecs swept over a
quality setting) and seed, with its config and the description of its source. Estimators
never touch flags or output files: they get a working directory for checkpoints (or None)
and a `log` callable through `JobContext`.

The built-in estimators are listed in `PLUGINS` (modules defining `ESTIMATORS`); `register`
adds others.
"""

import dataclasses
import hashlib
import importlib
import json
import os
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from rdbounds import config as config_lib

PRESET_NAMES = ("quick", "default", "paper")

# Modules whose `ESTIMATORS` tuple registers the built-in estimators. Light modules only
# (configs and presets); each entry names its heavy run function by import path.
PLUGINS = (
    "rdbounds.references",
    "rdbounds.upper.config",
    "rdbounds.particles.config",
    "rdbounds.lower.config",
    "rdbounds.codecs.config",
)


@dataclasses.dataclass(frozen=True)
class Job:
  """One estimator run.

  Attributes:
    estimator: registered estimator name.
    lmbda: the multiplier lambda, or None (codecs swept over a quality setting).
    seed: seed of everything random in the job.
    config: the estimator's `Config` instance (preset plus overrides).
    source: the source's description (part of the identity of the job).
  """
  estimator: str
  lmbda: Optional[float]
  seed: int
  config: config_lib.Config
  source: dict

  def to_json(self) -> dict:
    return {"estimator": self.estimator, "lmbda": self.lmbda, "seed": self.seed,
            "config": self.config.to_json(), "source": self.source}

  @classmethod
  def from_json(cls, data: dict) -> "Job":
    config = get(data["estimator"]).config_class.from_json(data["config"])
    return cls(data["estimator"], data["lmbda"], data["seed"], config, data["source"])

  @property
  def depends_on(self) -> Optional[str]:
    """Id of the job whose trained model this one starts training from (`config.warm_from`):
    a sweep runs that job first. None: the job stands alone, or trains nothing (it evaluates
    a finished job's model again: `config.trained_by`)."""
    if getattr(self.config, "trained_by", None):
      return None
    return getattr(self.config, "warm_from", None)

  @property
  def job_id(self) -> str:
    """Stable identifier: a readable prefix and a hash of everything that defines the job."""
    blob = json.dumps(self.to_json(), sort_keys=True, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:10]
    lmbda = "" if self.lmbda is None else f"-lambda={self.lmbda:g}"
    return f"{self.estimator.replace(':', '_')}{lmbda}-seed={self.seed}-{digest}"


@dataclasses.dataclass
class JobContext:
  """What an estimator may use besides the source and the job.

  Attributes:
    workdir: directory for this job's checkpoints and summaries, or None (no checkpoints).
    log: callable taking one progress line.
  """
  workdir: Optional[str] = None
  log: Callable[[str], None] = lambda line: None


def sibling_dir(job: Job, context: JobContext, other_job_id: str, why: str) -> str:
  """The folder of another job of the same run (the sweep's layout), which `job` reads for
  `why` (a phrase for the error when there are no job folders)."""
  if context.workdir is None:
    raise ValueError(f"{job.estimator}: {why} job {other_job_id} needs the run's job folders")
  return os.path.join(os.path.dirname(context.workdir), other_job_id)


def training_dir(job: Job, context: JobContext) -> Optional[str]:
  """The folder of the job's trained model: its own, or that of the job it re-evaluates
  (`config.trained_by`, a sibling folder in the sweep's layout), which it only reads."""
  trained_by = getattr(job.config, "trained_by", None)
  if not trained_by:
    return context.workdir
  return sibling_dir(job, context, trained_by, "evaluating again the model of")


@dataclasses.dataclass(frozen=True)
class NoOptions(config_lib.Config):
  """The configuration of an estimator that has nothing to configure."""


def one_job_per_lambda(estimator: "Estimator", lambdas: Sequence[float], seed: int,
                       config: config_lib.Config, source_description: dict) -> List[Job]:
  return [Job(estimator.name, float(l), seed, config, source_description) for l in lambdas]


@dataclasses.dataclass(frozen=True)
class Estimator:
  """A registered estimator.

  Attributes:
    name: CSV estimator name.
    run: the estimator function, or its import path "module:function" (imported on first use).
    config_class: the `Config` subclass of its options.
    presets: preset name -> config instance (vector sources).
    image_presets: preset name -> config instance for image sources, where they differ.
    photo_presets: preset name -> config instance for photographs (sources with whole
      held-out images, `Source.has_whole_images`), where they differ from `image_presets`.
    flag_prefix: prefix of the command-line flags generated from `config_class` ("ub_"), or
      None for no flags.
    not_applicable: returns a one-line reason when the estimator cannot run on a source.
    plan: `(estimator, lambdas, seed, config, source_description) -> [Job]`.
    evaluation_options: options that change only how a trained model is evaluated; a job
      whose config sets `trained_by` evaluates another job's model with them, without
      training (experiments/evaluate.py). Empty: the estimator cannot be re-evaluated.
    description: one line for help texts.
  """
  name: str
  run: Union[str, Callable]
  config_class: type = NoOptions
  presets: Mapping[str, config_lib.Config] = dataclasses.field(default_factory=dict)
  image_presets: Mapping[str, config_lib.Config] = dataclasses.field(default_factory=dict)
  photo_presets: Mapping[str, config_lib.Config] = dataclasses.field(default_factory=dict)
  flag_prefix: Optional[str] = None
  not_applicable: Callable[..., Optional[str]] = lambda source: None
  plan: Callable[..., List[Job]] = one_job_per_lambda
  evaluation_options: Tuple[str, ...] = ()
  description: str = ""

  def preset(self, name: str, image: bool = False, photos: bool = False) -> config_lib.Config:
    """The preset `name` for a vector source, an image source (`image`) or photographs
    (`photos`); the class defaults if none is set."""
    if name not in PRESET_NAMES:
      raise ValueError(f"unknown preset {name!r}; valid: {', '.join(PRESET_NAMES)}")
    table = self.presets
    if image and self.image_presets:
      table = self.image_presets
    if photos and self.photo_presets:
      table = self.photo_presets
    return table.get(name) or self.config_class()

  def preset_for(self, name: str, source) -> config_lib.Config:
    """The preset `name` for `source`'s kind (vectors, images or photographs)."""
    return self.preset(name, source.is_image, source.has_whole_images)

  def config(self, preset: str, image: bool = False, photos: bool = False,
             **overrides) -> config_lib.Config:
    """The preset's config with the user's overrides (flattened option names)."""
    return self.preset(preset, image, photos).override(**overrides)

  def plan_jobs(self, lambdas: Sequence[float], seed: int, config: config_lib.Config,
                source_description: dict) -> List[Job]:
    return self.plan(self, lambdas, seed, config, source_description)

  def reevaluation(self, trained: Job, source_description: dict, **overrides) -> Job:
    """A job that evaluates `trained`'s model again with other evaluation options.

    Raises:
      ValueError (one line) for an option that would change the training.
    """
    if not self.evaluation_options:
      raise ValueError(f"{self.name} cannot evaluate a trained model again")
    changed = sorted(set(overrides) - set(self.evaluation_options))
    if changed:
      raise ValueError(f"{self.name}: {', '.join(changed)} would change the training; an "
                       f"evaluation may change only {', '.join(self.evaluation_options)}")
    config = trained.config.override(**overrides, trained_by=trained.job_id)
    return Job(self.name, trained.lmbda, trained.seed, config, source_description)

  def __call__(self, source, job: Job, context: JobContext):
    run = self.run
    if isinstance(run, str):
      module, function = run.split(":")
      run = getattr(importlib.import_module(module), function)
    return run(source, job, context)


_REGISTRY: Dict[str, Estimator] = {}
_loaded = False


def register(estimator: Estimator) -> Estimator:
  _REGISTRY[estimator.name] = estimator
  return estimator


def _load_plugins():
  global _loaded
  if not _loaded:
    _loaded = True
    for module in PLUGINS:
      for estimator in importlib.import_module(module).ESTIMATORS:
        _REGISTRY.setdefault(estimator.name, estimator)


def get(name: str) -> Estimator:
  _load_plugins()
  if name not in _REGISTRY:
    raise ValueError(f"unknown estimator {name!r}; valid: {', '.join(names())}")
  return _REGISTRY[name]


def names() -> List[str]:
  """Registered names: the sandwich's estimators first, then codecs, each group sorted."""
  _load_plugins()
  return sorted(_REGISTRY, key=lambda n: (n.startswith("codec:"), n))


def all_estimators() -> List[Estimator]:
  return [_REGISTRY[n] for n in names()]
