"""What a sandwich run asks for, checked before any data or TensorFlow, and its jobs."""

import math
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from rdbounds import config as config_lib
from rdbounds import estimators
from rdbounds import sources


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
  """The source of `options` (`SourceSpec` fields): options and data files are checked with
  numpy, before TensorFlow loads, then the source is built (`source.spec` names it).

  Raises:
    ValueError: one line: an unknown or missing option, a missing file, unusable data.
  """
  spec = sources.SourceSpec.from_options(**options)
  spec.check()
  return sources.build(spec)


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

