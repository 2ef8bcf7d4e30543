"""Finite held-out data: how many disjoint draws an evaluation needs, and the lower bound's
preset fitted to what the data have.

On finite data the evaluation takes M x seeds pairwise disjoint draws of k held-out samples
(`fit_to_data`; `evaluator.evaluate` calls it, and refuses or lowers M or k as asked). A
preset's k is chosen for synthetic sources, so on a user's samples it often asks for more
than were held out, and the job would refuse them. The planner (`rdbounds.sandwich`, hence
`rdbounds sandwich` too) calls `fit_preset` through the estimator's `fit_to_source`: it
lowers k to what the data allow, for the evaluation and the training alike, and says so. A
user who set one of `DRAW_OPTIONS` chose, and gets what the preset with those options does
(the job refuses too few samples in one line).

No TensorFlow here: the planner fits presets before TensorFlow loads.
"""

from typing import Callable, Mapping

from rdbounds import config as config_lib

# Options that decide how many held-out samples the evaluation draws.
DRAW_OPTIONS = ("k", "eval_k", "m", "eval_seeds", "fit_to_data")
# Ways to fit an evaluation to finite held-out data (`fit_to_data`).
FIT_TO_DATA = ("refuse", "m", "k")


class NotEnoughData(ValueError):
  """The held-out data cannot supply the disjoint draws an evaluation needs."""


def required_samples(k: int, m: int, groups: int) -> int:
  """Held-out samples an evaluation of `groups` x M disjoint draws of k needs."""
  return k * m * groups


def fit_to_data(source, k: int, m: int, groups: int, fit: str = "refuse"):
  """`(k, m)` an evaluation can use on `source`'s held-out data, or `NotEnoughData`.

  Synthetic sources are unlimited (`source.held_out_samples` is None). Finite data must
  supply `groups x M` pairwise disjoint draws of k samples; if it cannot, `fit` decides:
  "refuse" (raise), "m" (lower M to what the data allow, at least 2) or "k" (lower k to what
  the data allow, at least 2).
  """
  if fit not in FIT_TO_DATA:
    raise ValueError(f"fit_to_data must be one of {', '.join(FIT_TO_DATA)}, got {fit!r}")
  available = source.held_out_samples
  needed = required_samples(k, m, groups)
  if available is None or needed <= available:
    return k, m
  if fit == "m" and available // (groups * k) >= 2:
    return k, available // (groups * k)
  if fit == "k" and available // (groups * m) >= 2:
    return available // (groups * m), m
  raise NotEnoughData(
      f"{source.name}: the lower bound's disjoint held-out draws need k x M x seeds = "
      f"{k} x {m} x {groups} = {needed:,} held-out samples, the data have {available:,}; "
      f"lower k or M, hold out more samples, or let --lb_fit_to_data=m (or k) lower them")


def fit_preset(config: config_lib.Config, source, overrides: Mapping[str, object],
               log: Callable[[str], None]) -> config_lib.Config:
  """`config`, or, on finite data too few for its evaluation, the same with a smaller k.

  The fitted k is the largest the held-out samples supply M x seeds disjoint draws of; the
  log u is trained at that k too (a log u trained at a larger k sets its floor for that k,
  and evaluating it at a smaller one made lines 16-23% looser: docs/results.md, "The lower
  bound: a particle log u"). When the data allow the preset's training k but not its larger
  evaluation k (the quick preset trains at 4096 and evaluates at 8192), only the evaluation
  k is lowered.

  Args:
    config: the preset's `LowerBoundConfig` with the user's `overrides` applied.
    source: the built source (`held_out_samples` is None for unlimited sources).
    overrides: the options the user set; one of `DRAW_OPTIONS` among them leaves `config`.
    log: receives one line when k is lowered.

  Raises:
    ValueError: one line, when the held-out samples are too few even for k = 2.
  """
  if set(overrides) & set(DRAW_OPTIONS) or config.fit_to_data != "refuse":
    return config
  eval_k, draws = config.eval_k or config.k, config.m * config.eval_seeds
  try:
    fitted, _ = fit_to_data(source, eval_k, config.m, config.eval_seeds, "k")
  except NotEnoughData:
    raise ValueError(
        f"{source.name}: {source.held_out_samples:,} held-out samples are too few for the "
        f"lower bound's {draws} disjoint draws of at least 2; give more samples (or a larger "
        f"test set)") from None
  if fitted == eval_k:
    return config
  k = min(config.k, fitted)
  needed = required_samples(eval_k, config.m, config.eval_seeds)
  log(f"lower_bound: {source.held_out_samples:,} held-out samples allow {draws} disjoint "
      f"draws of k = {fitted} (the preset's evaluation at k = {eval_k} needs {needed:,}); "
      f"training at k = {k}")
  return config.override(k=k, eval_k=fitted if fitted > k else None)
