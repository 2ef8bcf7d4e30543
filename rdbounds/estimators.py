"""The estimator registry: every estimator is a function `(source, job, context) -> [Record]`.

An `Estimator` entry names the function (imported on first use, so the registry, the
configurations and the flags built from them load without TensorFlow), its configuration
class (a frozen `rdbounds.config.Config`), its presets (instances: `quick`, `default`,
`paper`, with image-source variants where they differ), which sources it applies to, and
how a sweep plans its jobs. Codecs are estimators like the others (`codec:<name>`).

A `Job` is one unit of a sweep: an estimator at one lambda (or none, for codecs swept over a
quality setting) and seed, with its config, the spec of its source and its wiring to other
jobs (`warm_from`, `trained_by`, `lambdas`). Estimators never touch flags or output files:
the sweep resolves that wiring into folders, and they get those, a working directory for
checkpoints (or None) and a `log` callable through `JobContext`.

The built-in estimators are listed in `PLUGINS` (modules defining `ESTIMATORS`); `register`
adds others.
"""

import dataclasses
import hashlib
import importlib
import json
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from rdbounds import code_identity
from rdbounds import config as config_lib
from rdbounds.sources import spec as source_spec

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


def _running_code() -> str:
  """`code_identity.current()`, looked up when a job is made (tests replace it)."""
  return code_identity.current()


@dataclasses.dataclass(frozen=True)
class Job:
  """One estimator run, and how it is wired to the other jobs of its sweep.

  Attributes:
    estimator: registered estimator name.
    lmbda: the multiplier lambda (the largest of `lambdas` for an annealed job), or None
      (codecs swept over a quality setting).
    seed: seed of everything random in the job.
    config: the estimator's `Config` instance (preset plus overrides).
    source: the `SourceSpec` of its source (built: its description is part of the job's id).
    warm_from: id of the job whose trained model this job's training starts from (the upper
      bound's warm-start chain); the sweep runs that job first.
    trained_by: id of the job whose trained model this job evaluates again, without
      training (`rdbounds evaluate`).
    lambdas: the requested lambdas of a job that gives one record for each (the lower
      bound's annealing), ascending; None: just `lmbda`.
    code: the identity of the code that computes it (`code_identity`: package version and
      source hash); a new job gets the running code's. None: a job written before jobs
      recorded it (its id is then the one it had).
  """
  estimator: str
  lmbda: Optional[float]
  seed: int
  config: config_lib.Config
  source: source_spec.SourceSpec
  warm_from: Optional[str] = None
  trained_by: Optional[str] = None
  lambdas: Optional[Tuple[float, ...]] = None
  code: Optional[str] = dataclasses.field(default_factory=_running_code)

  def _wiring(self) -> dict:
    """The wiring fields that are set (absent ones leave the id of a plain job as it was)."""
    wiring = {"warm_from": self.warm_from, "trained_by": self.trained_by,
              "lambdas": None if self.lambdas is None else list(self.lambdas)}
    return {name: value for name, value in wiring.items() if value is not None}

  def to_json(self) -> dict:
    code = {} if self.code is None else {"code": self.code}
    return {"estimator": self.estimator, "lmbda": self.lmbda, "seed": self.seed,
            "config": self.config.to_json(), "source": self.source.to_json(), **self._wiring(),
            **code}

  @classmethod
  def from_json(cls, data: dict) -> "Job":
    """The job `to_json` wrote, with the code that made it (None if it does not say)."""
    config = get(data["estimator"]).config_from_json(data["config"])
    lambdas = data.get("lambdas")
    return cls(data["estimator"], data["lmbda"], data["seed"], config,
               source_spec.SourceSpec.from_json(data["source"]), data.get("warm_from"),
               data.get("trained_by"), None if lambdas is None else tuple(lambdas),
               code=data.get("code"))

  def same_but_code(self, other: "Job") -> bool:
    """Whether `other` is this job computed by other code (its definition and wiring equal)."""
    strip = lambda job: dict(job.to_json(), code=None, source=job.source.description)
    return self.code != other.code and strip(self) == strip(other)

  @property
  def depends_on(self) -> Optional[str]:
    """Id of the job whose trained model this one starts training from (`warm_from`): a sweep
    runs that job first. None: the job stands alone, or trains nothing (`trained_by`)."""
    return None if self.trained_by else self.warm_from

  @property
  def requested_lambdas(self) -> Tuple[float, ...]:
    """The lambdas this job gives records for, ascending."""
    return tuple(sorted(self.lambdas)) if self.lambdas else (self.lmbda,)

  @property
  def job_id(self) -> str:
    """Stable identifier: a readable prefix and a hash of everything that defines the job
    (the source by its description, i.e. by content, not by the paths that rebuild it) and
    of the code that computes it (`code`)."""
    if self.source.description is None:
      raise ValueError(f"{self.estimator}: a job's source must be built (sources.build) "
                       f"before the job has an id")
    identity = dict(self.to_json(), source=self.source.description)
    blob = json.dumps(identity, sort_keys=True, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:10]
    lmbda = "" if self.lmbda is None else f"-lambda={self.lmbda:g}"
    return f"{self.estimator.replace(':', '_')}{lmbda}-seed={self.seed}-{digest}"


@dataclasses.dataclass
class JobContext:
  """What an estimator may use besides the source and the job: folders the sweep resolved
  from the job's wiring, and a log.

  Attributes:
    workdir: this job's folder for checkpoints and summaries, or None (no checkpoints).
    log: callable taking one progress line.
    trained_dir: with `Job.trained_by`, the folder of that finished job, whose trained model
      this job evaluates (read only); else None.
    warm_start_dir: with `Job.warm_from`, the folder of that finished job, whose trained
      model this job's training starts from; else None.
  """
  workdir: Optional[str] = None
  log: Callable[[str], None] = lambda line: None
  trained_dir: Optional[str] = None
  warm_start_dir: Optional[str] = None

  @property
  def model_dir(self) -> Optional[str]:
    """Where the job's trained model is: the job it evaluates again, or its own folder."""
    return self.trained_dir or self.workdir


@dataclasses.dataclass(frozen=True)
class NoOptions(config_lib.Config):
  """The configuration of an estimator that has nothing to configure."""


def one_job_per_lambda(estimator: "Estimator", lambdas: Sequence[float], seed: int,
                       config: config_lib.Config, source: source_spec.SourceSpec) -> List[Job]:
  return [Job(estimator.name, float(l), seed, config, source) for l in lambdas]


def one_job_for_all_lambdas(estimator: "Estimator", lambdas: Sequence[float], seed: int,
                            config: config_lib.Config,
                            source: source_spec.SourceSpec) -> List[Job]:
  """One job that gives a record for each lambda (`Job.lambdas`), named by the largest."""
  requested = tuple(sorted(float(l) for l in lambdas))
  return [Job(estimator.name, requested[-1], seed, config, source, lambdas=requested)]


@dataclasses.dataclass(frozen=True)
class Estimator:
  """A registered estimator.

  Attributes:
    name: CSV estimator name.
    run: the estimator function, or its import path "module:function" (imported on first use).
    config_class: the `Config` subclass of its options.
    photo_config_class: for an estimator whose photographs get another model, that model's
      `Config` subclass (`photo_presets` are its instances); None: `config_class`.
    presets: preset name -> config instance (vector sources).
    image_presets: preset name -> config instance for image sources, where they differ.
    photo_presets: preset name -> config instance for photographs (sources with whole
      held-out images, `Source.has_whole_images`), where they differ from `image_presets`.
    flag_prefix: prefix of the command-line flags generated from `config_class` ("ub_"), or
      None for no flags.
    not_applicable: returns a one-line reason when the estimator cannot run on a source.
    plan: `(estimator, lambdas, seed, config, source spec) -> [Job]`.
    fit_to_source: `(config, source, overrides, log) -> config`: the config of the jobs
      planned on a built source, given the options the user set (`overrides`); the lower
      bound fits its preset to finite held-out data. Default: `config` unchanged.
    evaluation_options: options that change only how a trained model is evaluated; a job
      with `trained_by` evaluates another job's model with them, without
      training (`rdbounds evaluate`). Empty: the estimator cannot be re-evaluated.
    description: one line for help texts.
  """
  name: str
  run: Union[str, Callable]
  config_class: type = NoOptions
  photo_config_class: Optional[type] = None
  presets: Mapping[str, config_lib.Config] = dataclasses.field(default_factory=dict)
  image_presets: Mapping[str, config_lib.Config] = dataclasses.field(default_factory=dict)
  photo_presets: Mapping[str, config_lib.Config] = dataclasses.field(default_factory=dict)
  flag_prefix: Optional[str] = None
  not_applicable: Callable[..., Optional[str]] = lambda source: None
  plan: Callable[..., List[Job]] = one_job_per_lambda
  fit_to_source: Callable[..., config_lib.Config] = lambda config, source, overrides, log: config
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

  @property
  def config_classes(self) -> Tuple[type, ...]:
    return (self.config_class,) + ((self.photo_config_class,) if self.photo_config_class else ())

  def flat_options(self) -> Tuple[config_lib.Option, ...]:
    """The options of all its config classes, each name once (one flag each)."""
    by_name = {}
    for config_class in self.config_classes:
      for option in config_class.flat_options():
        by_name.setdefault(option.name, option)
    return tuple(by_name.values())

  def preset_for(self, name: str, source) -> config_lib.Config:
    """The preset `name` for `source`'s kind (vectors, images or photographs)."""
    return self.preset(name, source.is_image, source.has_whole_images)

  def config(self, preset: str, image: bool = False, photos: bool = False,
             **overrides) -> config_lib.Config:
    """The preset's config with the user's overrides (flattened option names).

    Raises:
      ValueError (one line) for an option of another model than the source's.
    """
    base = self.preset(preset, image, photos)
    own = {o.name for o in base.flat_options()}
    foreign = sorted(n for n in overrides if n not in own and
                     any(n == o.name for o in self.flat_options()))
    if foreign:
      raise ValueError(f"{', '.join(foreign)}: not an option of {type(base).__name__}, the "
                       f"model of this source")
    return base.override(**overrides)

  def plan_jobs(self, lambdas: Sequence[float], seed: int, config: config_lib.Config,
                source: source_spec.SourceSpec) -> List[Job]:
    return self.plan(self, lambdas, seed, config, source)

  def config_from_json(self, data: dict) -> config_lib.Config:
    """The config written by `Config.to_json`, of the class whose fields its keys are."""
    for config_class in self.config_classes:
      if set(data) <= {f.name for f in dataclasses.fields(config_class)}:
        return config_class.from_json(data)
    return self.config_class.from_json(data)  # Names the unknown options.

  def reevaluation(self, trained: Job, source: source_spec.SourceSpec, **overrides) -> Job:
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
    return Job(self.name, trained.lmbda, trained.seed, trained.config.override(**overrides),
               source, trained_by=trained.job_id, lambdas=trained.lambdas)

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
