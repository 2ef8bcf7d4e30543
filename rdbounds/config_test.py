"""The configuration system: overrides are parsed and checked, JSON round-trips, nesting flattens."""

import dataclasses
import json
from typing import Literal, Optional, Tuple

import pytest

from rdbounds import config


@dataclasses.dataclass(frozen=True)
class Inner(config.Config):
  tol: float = config.option(1e-7, "Tolerance (nats).")
  max_iterations: int = config.option(1000, "Cap on iterations.")


@dataclasses.dataclass(frozen=True)
class Outer(config.Config):
  k: int = config.option(512, "Samples per draw.")
  widths: Tuple[int, ...] = config.option((64, 64), "Hidden widths.")
  prior: Literal["gaussian", "maf"] = config.option("gaussian", "Prior.")
  anneal_from: Optional[float] = config.option(None, "Start of annealing.")
  decoder: bool = config.option(True, "Use a decoder.")
  search: Inner = config.option(Inner(), "Mode search.")

  def validate(self):
    if self.k < 1:
      raise ValueError(f"k must be >= 1, got {self.k}")


def test_overrides_from_flag_strings_are_converted():
  c = Outer().override(k="2048", widths="8,16", prior="maf", anneal_from="0.5", decoder="false",
                       tol="1e-6")
  assert (c.k, c.widths, c.prior, c.anneal_from, c.decoder) == (2048, (8, 16), "maf", 0.5, False)
  assert c.search == Inner(tol=1e-6, max_iterations=1000)


def test_code_values_are_normalized():
  c = Outer(widths=[3, 4], search=Inner(tol=1))
  assert c.widths == (3, 4) and isinstance(c.search.tol, float)


@pytest.mark.parametrize("overrides, message", [
    (dict(k="many"), "k: expected integer, got 'many'"),
    (dict(k=2.5), "k: expected integer, got 2.5"),
    (dict(prior="flow"), "prior: expected one of gaussian, maf, got 'flow'"),
    (dict(widths="8,x"), "widths: expected comma-separated list of integers, got '8,x'"),
    (dict(decoder="maybe"), "decoder: expected boolean, got 'maybe'"),
    (dict(stepz=3), "unknown option(s) stepz; valid: anneal_from, decoder, k, max_iterations"),
    (dict(k=0), "k must be >= 1, got 0"),
])
def test_bad_values_give_one_line_errors(overrides, message):
  with pytest.raises(ValueError) as raised:
    Outer().override(**overrides)
  assert message in str(raised.value)
  assert "\n" not in str(raised.value)


def test_json_round_trip_through_text():
  c = Outer(k=7, widths=(1, 2, 3), anneal_from=2.0, search=Inner(tol=float("inf")))
  text = json.dumps(c.to_json(), sort_keys=True)
  assert Outer.from_json(json.loads(text)) == c


def test_nested_names_flatten_and_changes_are_listed():
  names = [o.name for o in Outer.flat_options()]
  assert names == ["k", "widths", "prior", "anneal_from", "decoder", "tol", "max_iterations"]
  assert Outer().override(max_iterations=3, k=1).describe_changes(Outer()) == {
      "k": 1, "max_iterations": 3}


def test_clashing_nested_names_are_refused():
  @dataclasses.dataclass(frozen=True)
  class Clash(config.Config):
    tol: float = config.option(0.1, "Outer tol.")
    search: Inner = config.option(Inner(), "Inner.")

  with pytest.raises(TypeError, match="appear twice"):
    Clash()
