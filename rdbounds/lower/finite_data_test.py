"""The lower bound's preset fitted to finite held-out data: k by hand, and when it is left alone."""

import dataclasses
from typing import Optional

import pytest

from rdbounds import estimators
from rdbounds.lower import finite_data


@dataclasses.dataclass
class HeldOut:
  """What the fit reads of a source."""
  held_out_samples: Optional[int]
  name: str = "npy-2"


def test_too_few_held_out_rows_are_refused_with_the_counts():
  with pytest.raises(finite_data.NotEnoughData) as error:
    finite_data.fit_to_data(HeldOut(1000), k=4096, m=30, groups=1)
  message = str(error.value)
  assert "\n" not in message
  for count in ("122,880", "1,000", "lower k or M"):
    assert count in message


def test_opting_in_lowers_m_or_k_to_what_the_data_allow():
  rows = HeldOut(1000)
  assert finite_data.fit_to_data(rows, k=100, m=5, groups=1) == (100, 5)
  assert finite_data.fit_to_data(rows, k=100, m=30, groups=1, fit="m") == (100, 10)
  assert finite_data.fit_to_data(rows, k=100, m=30, groups=2, fit="k") == (16, 30)
  with pytest.raises(finite_data.NotEnoughData):  # not even M = 2
    finite_data.fit_to_data(rows, k=600, m=30, groups=1, fit="m")
  # Synthetic sources are unlimited.
  assert finite_data.fit_to_data(HeldOut(None), 4096, 30, 3) == (4096, 30)


def _fit(preset, held_out, **overrides):
  lines = []
  config = estimators.get("lower_bound").config(preset, **overrides)
  return finite_data.fit_preset(config, HeldOut(held_out), overrides, lines.append), lines


def test_too_few_held_out_samples_lower_k_for_training_and_evaluation():
  # quick: k = 4096, eval_k = 8192, M = 8, one seed: 8 disjoint draws.
  # 500 held-out rows: 500 // 8 = 62 samples per draw, trained at 62 too.
  fitted, lines = _fit("quick", 500)
  assert (fitted.k, fitted.eval_k, fitted.m) == (62, None, 8)
  assert lines == ["lower_bound: 500 held-out samples allow 8 disjoint draws of k = 62 (the "
                   "preset's evaluation at k = 8192 needs 65,536); training at k = 62"]
  # 50,000 rows: 6250 per draw, more than the training k (4096), which stays.
  fitted, _ = _fit("quick", 50_000)
  assert (fitted.k, fitted.eval_k) == (4096, 6250)
  # default: k = 4096, M = 30, 30 draws; 6,000 rows give k = 200.
  fitted, _ = _fit("default", 6000)
  assert (fitted.k, fitted.eval_k, fitted.m) == (200, None, 30)


def test_enough_data_unlimited_sources_and_a_user_choice_keep_the_config():
  preset = estimators.get("lower_bound").preset("quick")
  for held_out in (None, 131_072):
    fitted, lines = _fit("quick", held_out)
    assert fitted == preset and lines == []
  fitted, lines = _fit("quick", 500, k=128)  # the user chose k: the job refuses or runs it
  assert (fitted.k, fitted.eval_k, lines) == (128, 8192, [])
  fitted, _ = _fit("quick", 500, fit_to_data="m")
  assert fitted.k == 4096 and fitted.fit_to_data == "m"


def test_too_few_even_for_k_2_is_one_line():
  # 15 held-out rows // 8 draws = 1 < 2.
  with pytest.raises(ValueError) as raised:
    _fit("quick", 15)
  assert str(raised.value) == ("npy-2: 15 held-out samples are too few for the lower bound's 8 "
                               "disjoint draws of at least 2; give more samples (or a larger "
                               "test set)")
