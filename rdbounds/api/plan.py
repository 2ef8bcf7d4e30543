"""What a sandwich run asks for, checked before any data or TensorFlow, and its jobs."""

import math
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from rdbounds import config as config_lib
from rdbounds import estimators
from rdbounds import sources

# Lower-bound options that decide how many held-out samples its evaluation draws: a user who
# sets one of them chose, and finite data are not fitted for them (`fit_lower_bound`).
_DRAW_OPTIONS = ("k", "eval_k", "m", "eval_seeds", "fit_to_data")


def lambdas(values: Sequence[float]) -> List[float]:
  """`values` as floats. Raises ValueError (one line) unless all are finite and positive."""
  try:
    parsed = [float(v) for v in values]
  except (TypeError, ValueError):
    raise ValueError(f"lambdas must be numbers, got {values!r}") from None
  if not parsed or not all(math.isfinite(l) and l > 0 for l in parsed):
    raise ValueError(f"lambdas must be positive, got {', '.join(f'{l:g}' for l in parsed)}")
  return parsed


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
  return spec.build()


def plan_jobs(chosen_: Sequence[estimators.Estimator], source, preset: str,
              lambda_values: Sequence[float], seed: int, options: Mapping[str, dict],
              log: Callable[[str], None]) -> List[estimators.Job]:
  """The run's jobs, estimator by estimator; inapplicable estimators are skipped with a note.

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
    if estimator.name == "lower_bound" and not set(user) & set(_DRAW_OPTIONS):
      config = fit_lower_bound(config, source, log)
    jobs.extend(estimator.plan_jobs(lambda_values, seed, config, source.spec))
  return jobs


def fit_lower_bound(config, source, log: Callable[[str], None]):
  """The lower bound's preset config, or one whose k the held-out data can supply.

  On finite data, the evaluation takes 2M x seeds pairwise disjoint draws of k held-out
  samples. When the preset would refuse the data for too few, this lowers k to what they
  allow and trains at that k too (a log u trained at a larger k sets its floor for that k,
  and a smaller evaluation k made lines 16-23% looser: docs/results.md), and says so.

  Raises:
    ValueError: too few held-out samples even for k = 2.
  """
  from rdbounds.lower import evaluator  # pylint: disable=g-import-not-at-top
  eval_k = config.eval_k or config.k
  if config.fit_to_data != "refuse":
    return config
  try:
    fitted, _ = evaluator.fit_to_data(source, eval_k, config.m, config.eval_seeds, "k")
  except evaluator.NotEnoughData:
    raise ValueError(
        f"{source.name}: {source.held_out_samples:,} held-out samples are too few for the "
        f"lower bound's {2 * config.m * config.eval_seeds} disjoint draws of at least 2; "
        f"give more samples (or a larger test set)") from None
  if fitted == eval_k:
    return config
  k = min(config.k, fitted)
  needed = evaluator.required_samples(eval_k, config.m, config.eval_seeds)
  log(f"lower_bound: {source.held_out_samples:,} held-out samples allow "
      f"{2 * config.m * config.eval_seeds} disjoint draws of k = {fitted} (the preset's "
      f"evaluation at k = {eval_k} needs {needed:,}); training at k = {k}")
  return config.override(k=k, eval_k=fitted if fitted > k else None)
