"""Search options: values that would make the search meaningless are refused in one line."""

import math

import pytest

from rdbounds.lower.search.options import SearchOptions


@pytest.mark.parametrize("name, value", [("tol", 0.0), ("prune_margin", -1.0),
                                         ("max_iterations", 0), ("chunk_size", 0),
                                         ("max_float32_error", 0.0), ("block_size", -1),
                                         ("skip_nats", 9.0)])
def test_meaningless_values_raise_one_line(name, value):
  with pytest.raises(ValueError, match=f"^{name} must be [^\n]*$"):
    SearchOptions().override(**{name: value})


def test_no_pruning_survives_a_json_round_trip():
  options = SearchOptions().override(prune_margin="inf", max_iterations="5000")
  assert SearchOptions.from_json(options.to_json()) == options
  assert math.isinf(options.prune_margin)
