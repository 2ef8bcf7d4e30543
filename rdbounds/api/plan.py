"""A sandwich run resolved once: its request checked, its input made a source spec, its plan.

`rdbounds.sandwich` turns what it was called with into three values, in this order, and then
only runs the last:
  * a `Request` (estimators, preset, lambdas, options, seed, units), checked before any data
    is read or TensorFlow loads;
  * a `SourceSpec` (`source_spec`): the one place that looks at `data` (a source's name, a
    `.npy` path, or samples, which are saved into the run folder);
  * a `Plan` (`make`): the built source, the estimators chosen for it, the lambdas and the
    jobs.
"""

import dataclasses
import math
import os
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from rdbounds import config as config_lib
from rdbounds import estimators
from rdbounds import sources
from rdbounds.api import folder
from rdbounds.api import samples

# The multipliers of a vector source when none are given (the demo's); image sources have a
# grid of their own (`Source.default_lambdas`).
VECTOR_LAMBDAS = (1.0, 3.0, 10.0)


def lambdas(values: Sequence[float]) -> List[float]:
  """`values` as floats. Raises ValueError (one line) unless all are finite and positive."""
  try:
    parsed = [float(v) for v in values]
  except (TypeError, ValueError):
    raise ValueError(f"lambdas must be numbers, got {values!r}") from None
  if not parsed or not all(math.isfinite(l) and l > 0 for l in parsed):
    raise ValueError(f"lambdas must be positive, got {', '.join(f'{l:g}' for l in parsed)}")
  return parsed


# The estimators of a run that names none, by source kind. On GAN images the particle upper
# bound (wgd) stands in for the conv beta-VAE: tighter there and minutes per lambda rather
# than tens of minutes (docs/results.md, "The sandwich on GAN images"). Image folders keep
# the beta-VAE, which codes their photographs whole (wgd codes crops).
DEFAULT_ESTIMATORS = ("upper_bound", "lower_bound")
DEFAULT_ESTIMATORS_BY_SOURCE = {"gan": ("wgd", "lower_bound")}


def default_estimators(source_kind: str) -> Tuple[str, ...]:
  """The estimators a run of a `source_kind` source uses when it names none."""
  return DEFAULT_ESTIMATORS_BY_SOURCE.get(source_kind, DEFAULT_ESTIMATORS)


def chosen(names: Sequence[str]) -> List[estimators.Estimator]:
  """The registered estimators `names`. Raises ValueError listing the valid names."""
  if isinstance(names, str):
    names = [names]
  unknown = [n for n in names if n not in estimators.names()]
  if unknown or not names:
    raise ValueError(f"unknown estimator(s) {', '.join(unknown) or '(none given)'}; valid: "
                     f"{', '.join(estimators.names())}")
  return [estimators.get(n) for n in names]


def check_preset(name: str) -> str:
  if name not in estimators.PRESET_NAMES:
    raise ValueError(f"unknown preset {name!r}; valid: {', '.join(estimators.PRESET_NAMES)}")
  return name


def check_options(options: Optional[Mapping[str, Mapping[str, object]]],
                  chosen_: Sequence[estimators.Estimator]) -> Dict[str, dict]:
  """{estimator name: {option: value}} checked against the estimators' configs.

  Only options a user may set are accepted (those the command line has flags for); values
  are parsed as the config's types, so `{"lower_bound": {"k": 4096}}` and `{"k": "4096"}`
  are the same.

  Raises:
    ValueError: one line naming the estimator and the option.
  """
  options = dict(options or {})
  by_name = {e.name: e for e in chosen_}
  stray = sorted(set(options) - set(by_name))
  if stray:
    raise ValueError(f"options for {', '.join(stray)}, which is not among the estimators "
                     f"({', '.join(by_name)})")
  checked = {}
  for name, values in options.items():
    settable = {o.name: o for o in by_name[name].flat_options() if o.flag}
    unknown = sorted(set(values) - set(settable))
    if unknown:
      raise ValueError(f"{name}: unknown option(s) {', '.join(unknown)}; valid: "
                       f"{', '.join(sorted(settable))}")
    checked[name] = {option: config_lib.parse_value(value, settable[option].type,
                                                    f"{name}: {option}")
                     for option, value in values.items()}
  return checked


def source(options: Mapping[str, object]):
  """The source of `options` (`SourceSpec` fields); see `built`."""
  return built(sources.SourceSpec.from_options(**options))


def built(spec: sources.SourceSpec):
  """The source of `spec`: options and data files are checked with numpy, before TensorFlow
  loads, then the source is built (`source.spec` names it).

  Raises:
    ValueError: one line: an unknown or missing option, a missing file, unusable data.
  """
  spec.check()
  return sources.build(spec)


@dataclasses.dataclass(frozen=True)
class Request:
  """What a run asks for besides its data, checked (`checked`) before the data are read.

  Attributes:
    estimators: registered names, or None: the source's default (`default_estimators`).
    preset: one of `estimators.PRESET_NAMES`.
    lambdas: positive multipliers, or None: the source's default.
    options: {estimator: {option: value}} as given (checked against the chosen estimators
      in `make`, once the default ones are known).
    seed: seed of every job and of the held-out split.
    units: rate units of the plot, "nats" or "bits".
  """
  estimators: Optional[Tuple[str, ...]]
  preset: str
  lambdas: Optional[Tuple[float, ...]]
  options: Mapping[str, Mapping[str, object]]
  seed: int
  units: str

  @classmethod
  def checked(cls, estimators_: Optional[Sequence[str]], preset: str,
              lambdas_: Optional[Sequence[float]], options, seed: int,
              units: str) -> "Request":
    """Raises ValueError (one line): an unknown estimator or preset, lambdas not positive,
    units other than nats or bits."""
    if estimators_ is not None:
      estimators_ = tuple(e.name for e in chosen(estimators_))
    if units not in ("nats", "bits"):
      raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
    return cls(estimators_, check_preset(preset),
               None if lambdas_ is None else tuple(lambdas(lambdas_)), dict(options or {}),
               seed, units)


def source_spec(data, test, seed: int, source_options: Optional[Mapping[str, object]],
                run_dir: str) -> sources.SourceSpec:
  """The `SourceSpec` of `sandwich`'s `data` (samples are saved into `run_dir/data/`).

  `data` is a source's name (its options in `source_options`), a `.npy` path, or samples
  (`samples.as_samples`); `test`, held-out samples or their `.npy` path, applies to the last
  two (and to the npy source).

  Raises:
    ValueError: one line: unusable samples, a name that is neither a source nor a `.npy`
      file, options or `test` that do not apply.
  """
  if isinstance(data, os.PathLike):
    data = os.fspath(data)
  if isinstance(data, str) and data in sources.SOURCE_KINDS:
    options = dict(source_options or {}, kind=data, seed=seed)
    if test is not None:
      if data != "npy":
        raise ValueError(f"test applies to samples (an array or .npy file), not to the "
                         f"{data} source")
      options["test"] = _test_path(test, None, run_dir)
    return sources.SourceSpec.from_options(**options)
  if source_options:
    raise ValueError("source_options apply to a named source, not to samples")
  if isinstance(data, str):
    if not data.endswith(".npy"):
      raise ValueError(f"data: {data!r} is neither a source ({', '.join(sources.SOURCE_KINDS)}) "
                       f"nor a .npy file")
    return sources.SourceSpec.from_options(kind="npy", train=data,
                                           test=_test_path(test, None, run_dir), seed=seed)
  array = samples.as_samples(data, "data")
  if test is None and len(array) < 2:
    raise ValueError(f"data: {len(array)} sample; need at least 2 to hold some out")
  return sources.SourceSpec.from_options(
      kind="npy", train=samples.save(array, run_dir, "train"),
      test=_test_path(test, array.shape[1:], run_dir), seed=seed)


def _test_path(test, sample_shape: Optional[tuple], run_dir: str) -> Optional[str]:
  """The held-out samples' file: `test` itself when it is a path, else `test` saved."""
  if test is None or isinstance(test, (str, os.PathLike)):
    return None if test is None else os.fspath(test)
  array = samples.as_samples(test, "test")
  if sample_shape is not None and array.shape[1:] != sample_shape:
    raise ValueError(f"test: sample shape {array.shape[1:]} differs from data's {sample_shape}")
  return samples.save(array, run_dir, "test")


@dataclasses.dataclass(frozen=True)
class Plan:
  """A run ready to go: its source (built), its jobs, and what OUT/config.json records of
  the request (`request`: preset, lambdas, estimators, checked options, seed, units).

  `added_jobs`: jobs added to an earlier run in the folder (`add_codecs`, `reevaluate`) whose
  rows stay part of the run (`reusing`).
  """
  source: object
  jobs: Tuple[estimators.Job, ...]
  request: dict
  added_jobs: Tuple[str, ...] = ()

  def reusing(self, run_dir: str, keep_stale: bool, log: Callable[[str], None]) -> "Plan":
    """This plan in the folder `run_dir`: what an earlier run there made with other code is
    recomputed or, with `keep_stale`, kept (`sweep.with_stale_kept`; jobs added earlier are
    kept or left out alike), and the jobs added earlier are named."""
    # Not at import: sweep's annotations name the source classes, which load TensorFlow.
    from rdbounds import sweep  # pylint: disable=g-import-not-at-top
    jobs_dir = os.path.join(run_dir, "jobs")
    jobs = sweep.with_stale_kept(self.jobs, jobs_dir, keep_stale, log)
    added = folder.jobs_added_earlier(run_dir, self.source.describe())
    current = [i for i in added
               if keep_stale or not sweep.stale_code_of(jobs_dir, i)]
    if len(current) < len(added):
      log(f"{len(added) - len(current)} job(s) added to this run earlier (codecs, evaluate) "
          f"were made by other code: their rows are left out (run them again, or keep them "
          f"with keep_stale)")
    return dataclasses.replace(self, jobs=tuple(jobs), added_jobs=tuple(current),
                               request=dict(self.request, keep_stale=keep_stale))


def make(spec: sources.SourceSpec, request: Request, log: Callable[[str], None]) -> Plan:
  """The plan of `request` on the source of `spec`: the source's default estimators and
  lambdas where the request has none (each said in one line), the options checked against
  the chosen estimators, and their jobs.

  Raises:
    ValueError: one line: options for an estimator outside the run, unusable source
      options or data, an option a preset refuses, data too few, no estimator that applies.
  """
  named = request.estimators or default_estimators(spec.kind)
  chosen_ = chosen(named)
  options = check_options(request.options, chosen_)
  source = built(spec)
  lambda_values = list(request.lambdas or source.default_lambdas or VECTOR_LAMBDAS)
  if request.lambdas is None:
    log(f"{source.name}: lambdas {', '.join(f'{l:g}' for l in lambda_values)} (the default "
        f"for {'images' if source.is_image else 'vectors'})")
  if request.estimators is None:
    log(f"{source.name}: estimators {', '.join(named)} (the default for this source)")
  jobs = plan_jobs(chosen_, source, request.preset, lambda_values, request.seed, options, log)
  if not jobs:
    raise ValueError("no estimator applies to this source; nothing to do")
  return Plan(source, tuple(jobs), dict(
      preset=request.preset, lambdas=lambda_values, estimators=list(named), options=options,
      seed=request.seed, units=request.units))


def plan_jobs(chosen_: Sequence[estimators.Estimator], source, preset: str,
              lambda_values: Sequence[float], seed: int, options: Mapping[str, dict],
              log: Callable[[str], None]) -> List[estimators.Job]:
  """The run's jobs, estimator by estimator; inapplicable estimators are skipped with a note.

  Each config is the preset for the source's kind with the user's `options`, fitted to the
  source by its estimator (`Estimator.fit_to_source`: the lower bound lowers a preset's k to
  what finite held-out data allow, `rdbounds.lower.finite_data`).

  Raises:
    ValueError: an option the preset's config refuses, or data too few for an estimator.
  """
  jobs = []
  for estimator in chosen_:
    reason = estimator.not_applicable(source)
    if reason:
      log(f"skipping {estimator.name}: {reason}")
      continue
    user = options.get(estimator.name, {})
    try:
      config = estimator.config(preset, source.is_image, source.has_whole_images, **user)
    except ValueError as e:
      raise ValueError(f"{estimator.name}: {e}") from None
    config = estimator.fit_to_source(config, source, user, log)
    jobs.extend(estimator.plan_jobs(lambda_values, seed, config, source.spec))
  return jobs

