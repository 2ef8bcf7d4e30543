"""The lower bound's preset fitted to finite held-out data, when the user left k to the preset.

On finite data the evaluation takes 2M x seeds pairwise disjoint draws of k held-out samples
(`evaluator.fit_to_data`). A preset's k is chosen for synthetic sources, so on a user's
samples it often asks for more than were held out, and the job would refuse them. The
planner (`rdbounds.sandwich`, hence `rdbounds sandwich` too) calls `fit_preset` through the
estimator's `fit_to_source`: it lowers k to what the data allow, for the evaluation and the
training alike, and says so. A user who set one of `DRAW_OPTIONS` chose, and gets what the
preset with those options does (the job refuses too few samples in one line).

No TensorFlow at import: the evaluator's arithmetic is imported when a built source (which
has loaded TensorFlow) is fitted.
"""

from typing import Callable, Mapping

from rdbounds import config as config_lib

# Options that decide how many held-out samples the evaluation draws.
DRAW_OPTIONS = ("k", "eval_k", "m", "eval_seeds", "fit_to_data")


def fit_preset(config: config_lib.Config, source, overrides: Mapping[str, object],
               log: Callable[[str], None]) -> config_lib.Config:
  """`config`, or, on finite data too few for its evaluation, the same with a smaller k.

  The fitted k is the largest the held-out samples supply 2M x seeds disjoint draws of; the
  log u is trained at that k too (a log u trained at a larger k sets its floor for that k,
  and evaluating it at a smaller one made lines 16-23% looser: docs/results.md, "The lower
  bound: a particle log u"). When the data allow the preset's training k but not its larger
  evaluation k (the quick preset trains at 2048 and evaluates at 8192), only the evaluation
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
  from rdbounds.lower import evaluator  # pylint: disable=g-import-not-at-top
  eval_k, draws = config.eval_k or config.k, 2 * config.m * config.eval_seeds
  try:
    fitted, _ = evaluator.fit_to_data(source, eval_k, config.m, config.eval_seeds, "k")
  except evaluator.NotEnoughData:
    raise ValueError(
        f"{source.name}: {source.held_out_samples:,} held-out samples are too few for the "
        f"lower bound's {draws} disjoint draws of at least 2; give more samples (or a larger "
        f"test set)") from None
  if fitted == eval_k:
    return config
  k = min(config.k, fitted)
  needed = evaluator.required_samples(eval_k, config.m, config.eval_seeds)
  log(f"lower_bound: {source.held_out_samples:,} held-out samples allow {draws} disjoint "
      f"draws of k = {fitted} (the preset's evaluation at k = {eval_k} needs {needed:,}); "
      f"training at k = {k}")
  return config.override(k=k, eval_k=fitted if fitted > k else None)
