"""Flags generated from the configuration dataclasses: one per option, parsed with one-line errors."""

from absl import flags
import pytest

from rdbounds import estimators
from rdbounds.cli import config_flags


@pytest.fixture
def flag_values():
  values = flags.FlagValues()
  for estimator in estimators.all_estimators():
    if estimator.flag_prefix:
      config_flags.define(estimator, values)
  return values


def test_every_user_option_of_every_estimator_is_a_flag(flag_values):
  for estimator in estimators.all_estimators():
    if not estimator.flag_prefix:
      continue
    for option in estimator.flat_options():  # every model's, for the upper bound
      name = estimator.flag_prefix + option.name
      assert (name in flag_values) == option.flag, name
  # Nested options (the lower bound's mode search) keep their short names.
  assert "lb_max_iterations" in flag_values and "lb_tol" in flag_values
  assert "lb_lambdas" not in flag_values  # set by the sweep, not by users


def test_help_gives_type_and_preset_values(flag_values):
  text = flag_values["lb_k"].help
  assert "(integer)" in text
  assert "quick: 4096, default: 4096, paper: 16384; images: 256, 1024, 4096" in text


def test_set_flags_override_the_preset_and_unset_ones_keep_it(flag_values):
  flag_values(["prog", "--ub_prior=gaussian_mixture", "--ub_widths=8,4", "--noub_decoder",
               "--ub_latent_dim=2", "--lb_prune_margin=inf"])
  ub = estimators.get("upper_bound")
  overrides = config_flags.overrides(ub, flag_values)
  assert overrides == {"prior": "gaussian_mixture", "widths": (8, 4), "decoder": False,
                       "latent_dim": 2}
  config = ub.config("quick", **overrides)
  assert config.widths == (8, 4) and config.batch == ub.preset("quick").batch
  lb = estimators.get("lower_bound")
  assert lb.config("default", **config_flags.overrides(lb, flag_values)).search_options \
      .prune_margin == float("inf")


def test_an_upper_bound_flag_sets_the_model_of_the_source_and_only_that(flag_values):
  flag_values(["prog", "--ub_refine_steps=7", "--ub_steps=30"])
  ub = estimators.get("upper_bound")
  overrides = config_flags.overrides(ub, flag_values)
  photos = ub.config("quick", image=True, photos=True, **overrides)
  assert (photos.refine_steps, photos.steps) == (7, 30)
  with pytest.raises(ValueError, match=r"^refine_steps: not an option of UpperBoundConfig"):
    ub.config("quick", **overrides)
  assert "photos: " in flag_values["ub_refine_steps"].help


@pytest.mark.parametrize("argument, message", [
    ("--lb_k=many", "--lb_k: expected integer, got 'many'"),
    ("--ub_prior=vamp", "--ub_prior: expected one of standard_gaussian, gaussian"),
    ("--lb_search=slow", "--lb_search: expected one of quick, exhaustive, got 'slow'"),
    ("--ba_bins=1.5", "--ba_bins: expected integer, got '1.5'"),
])
def test_ill_typed_values_give_one_line_naming_the_flag(flag_values, argument, message):
  flag_values(["prog", argument])
  with pytest.raises(ValueError) as raised:
    config_flags.all_overrides(flag_values)
  assert message in str(raised.value) and "\n" not in str(raised.value)
