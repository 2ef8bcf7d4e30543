"""docs/python.md runs as written: its python blocks, in order, in one namespace."""

import contextlib
import io
import math
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = os.path.join(ROOT, "docs", "python.md")


def python_blocks(path: str) -> list:
  with open(path) as f:
    return re.findall(r"^```python\n(.*?)^```$", f.read(), flags=re.S | re.M)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
  """The guide's namespace after running every block, and what it printed."""
  namespace, printed = {}, io.StringIO()
  cwd = os.getcwd()
  os.chdir(tmp_path_factory.mktemp("guide"))
  try:
    with contextlib.redirect_stdout(printed):
      for block in python_blocks(GUIDE):
        exec(compile(block, GUIDE, "exec"), namespace)  # pylint: disable=exec-used
  finally:
    os.chdir(cwd)
  return namespace, printed.getvalue()


def test_the_line_passes_below_the_point_and_the_closed_form(executed):
  namespace, printed = executed
  point, line = namespace["point"], namespace["line"]
  assert line.intercept_bound - line.lmbda * point.distortion <= point.rate_nats
  # N(0, I_2): F(3) = ln 3 + 1 is the most any line at lambda = 3 may claim.
  assert line.intercept_bound == line.intercept_ci_low <= math.log(3) + 1
  assert "upper_bound" in printed and "lower_bound" in printed


def test_the_second_call_runs_no_job_and_returns_the_same_rows(executed):
  namespace, printed = executed
  assert namespace["again"].records == namespace["result"].records
  assert "0 jobs started\nTrue\n" in printed


def test_references_and_codecs_are_measured_against_the_truth(executed):
  namespace, _ = executed
  for record in namespace["reference"].records:
    # N(0, I_2): F(lambda) = ln lambda + 1; BA's histogram adds about 0.02 nats.
    assert abs(record.intercept_nats - (math.log(record.lmbda) + 1)) < 0.02
  assert "BD-rate" in namespace["codecs"].report
  assert {r.estimator for r in namespace["loaded"].records} == {
      "upper_bound", "lower_bound", "codec:scalar", "points:mine"}


def test_your_own_points_are_rows_above_the_closed_form_with_a_bd_rate(executed):
  namespace, _ = executed
  mine = [r for r in namespace["mine"].records if r.estimator == "points:mine"]
  assert [(r.distortion, r.rate_nats) for r in mine] == [(0.45, 0.9), (0.1, 2.5)]
  for record in mine:  # N(0, I_2): R(D) = ln(1 / D), below every real code's point.
    assert record.rate_nats > math.log(1 / record.distortion)
  assert "* points:mine: " in namespace["mine"].report


def test_the_readme_example_is_the_guide_first_block():
  with open(os.path.join(ROOT, "README.md")) as f:
    readme = re.findall(r"^```python\n(.*?)^```$", f.read(), flags=re.S | re.M)
  assert readme and readme[0] == python_blocks(GUIDE)[0]
