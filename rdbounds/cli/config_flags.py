"""Command-line flags generated from the estimators' configuration dataclasses.

For an estimator with `flag_prefix="lb_"`, every user-settable option `k` of its config class
becomes a flag `--lb_k` whose help is the option's own text, its type and the presets' values.
Flags default to None, meaning "the preset's value"; `overrides` returns the options a user
set, parsed and checked with one-line errors that name the flag.
"""

from typing import Dict

from absl import flags

from rdbounds import config
from rdbounds import estimators


def _presets_text(estimator, option) -> str:
  """' [quick: 512, default: 4096, paper: 16384; images: 256, 1024, 4096]' (differing only)."""
  def value(instance):
    for attribute in option.path:
      instance = getattr(instance, attribute, "-")  # "-": not an option of that model
    return ",".join(map(str, instance)) if isinstance(instance, tuple) else str(instance)

  vector = [value(estimator.preset(p)) for p in estimators.PRESET_NAMES]
  image = [value(estimator.preset(p, image=True)) for p in estimators.PRESET_NAMES]
  photos = [value(estimator.preset(p, image=True, photos=True)) for p in estimators.PRESET_NAMES]
  text = ", ".join(f"{p}: {v}" for p, v in zip(estimators.PRESET_NAMES, vector))
  if estimator.image_presets and image != vector:
    text += "; images: " + ", ".join(image)
  if estimator.photo_presets and photos != image:
    text += "; photos: " + ", ".join(photos)
  return f" [{text}]"


def define(estimator: estimators.Estimator, flag_values=flags.FLAGS, only=None) -> None:
  """Defines `--<prefix><option>` for every user-settable option of the estimator's config
  (or those named in `only`)."""
  prefix = estimator.flag_prefix
  for option in estimator.flat_options():
    if not option.flag or (only is not None and option.name not in only):
      continue
    name = prefix + option.name
    help_text = f"{option.help} ({config.describe_type(option.type)})"
    help_text += _presets_text(estimator, option)
    if option.type is bool:
      flags.DEFINE_boolean(name, None, help_text, flag_values=flag_values)
    else:
      # Parsed by `overrides`, so that every ill-typed value gets the same one-line error.
      flags.DEFINE_string(name, None, help_text, flag_values=flag_values)


def define_all(flag_values=flags.FLAGS) -> None:
  for estimator in estimators.all_estimators():
    if estimator.flag_prefix:
      define(estimator, flag_values)


def overrides(estimator: estimators.Estimator, flag_values=flags.FLAGS) -> Dict[str, object]:
  """{option: parsed value} for the estimator's flags the user set.

  Raises:
    ValueError: one line, e.g. "--lb_k: expected integer, got 'many'".
  """
  if not estimator.flag_prefix:
    return {}
  result = {}
  for option in estimator.flat_options():
    name = estimator.flag_prefix + option.name
    if option.flag and name in flag_values and flag_values[name].value is not None:
      result[option.name] = config.parse_value(flag_values[name].value, option.type, f"--{name}")
  return result


def all_overrides(flag_values=flags.FLAGS) -> Dict[str, object]:
  """{flag name: parsed value} of every estimator flag the user set (for config.json)."""
  return {e.flag_prefix + name: value for e in estimators.all_estimators() if e.flag_prefix
          for name, value in overrides(e, flag_values).items()}
