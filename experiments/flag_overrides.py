"""Turns the estimator flags a user set (`--ub_*`, `--lb_*`) into config overrides."""

from typing import Callable, Dict

from absl import flags


def collect(prefix: str, converters: Dict[str, Callable]) -> dict:
  """Config entries for the flags `<prefix><key>` that were set; unset flags are None.

  Args:
    prefix: flag prefix, e.g. "ub_".
    converters: config key -> function turning the flag's value into the config value.

  Raises:
    ValueError naming the flag when a value cannot be converted.
  """
  result = {}
  for key, convert in converters.items():
    value = getattr(flags.FLAGS, prefix + key)
    if value is None:
      continue
    try:
      result[key] = convert(value)
    except ValueError:
      raise ValueError(f"--{prefix}{key}: cannot read {value!r} as {key}") from None
  return result
