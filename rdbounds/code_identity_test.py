"""The code's identity: a changed estimator source is other code, and its jobs run again."""

import os
import shutil

import pytest

import rdbounds
from rdbounds import code_identity
from rdbounds import curves

QUIET = dict(log=lambda line: None)


@pytest.fixture
def changed_tree(tmp_path):
  """A copy of the package's source with the analytic estimator's run function changed."""
  copy = tmp_path / "rdbounds"
  shutil.copytree(code_identity.PACKAGE_DIR, copy,
                  ignore=shutil.ignore_patterns("__pycache__", "*_test.py"))
  source = (copy / "references.py").read_text()
  changed = source.replace("  started = time.time()\n", "  started = time.time()  # changed\n", 1)
  assert changed != source
  (copy / "references.py").write_text(changed)
  return copy


def test_an_estimators_source_changes_the_identity_tests_and_bytecode_do_not(changed_tree):
  same = code_identity.identity(code_identity.PACKAGE_DIR)
  assert same == code_identity.current()
  assert same.startswith(code_identity.version() + "+")
  changed = code_identity.identity(str(changed_tree))
  assert changed != same
  before = code_identity.tree_hash(str(changed_tree))
  (changed_tree / "references_test.py").write_text("assert False\n")
  os.makedirs(changed_tree / "__pycache__", exist_ok=True)
  (changed_tree / "__pycache__" / "references.cpython-311.pyc").write_bytes(b"\0")
  assert code_identity.tree_hash(str(changed_tree)) == before


def _run(out, lines, **kwargs):
  return rdbounds.sandwich("gaussian", source_options={"dim": 2}, lambdas=[3],
                           estimators=["analytic"], preset="quick", out=str(out),
                           log=lines.append, **kwargs)


def _started(lines):
  return [line for line in lines if line.startswith("[sweep] start")]


def test_a_changed_estimator_source_recomputes_its_job_unless_asked_to_keep(
    tmp_path, changed_tree, monkeypatch):
  out = tmp_path / "run"
  lines = []
  first = _run(out, lines)
  assert len(_started(lines)) == 1

  # The same request with the analytic estimator's source changed: its job runs again, under
  # a new id, and the CSV holds only the new row, unmarked; the old job's folder stays.
  changed = code_identity.identity(str(changed_tree))
  monkeypatch.setattr(code_identity, "current", lambda: changed)
  lines = []
  second = _run(out, lines)
  assert len(_started(lines)) == 1
  assert any("runs again" in line for line in lines)
  assert second.records[0].run_id != first.records[0].run_id
  assert [r.stale_code for r in curves.read_csv(str(out / "curves.csv"))] == [""]
  assert os.path.isdir(out / "jobs" / first.records[0].run_id)

  # Yet other code, and the user keeps what is there: nothing runs, the row is the one the
  # second code made, marked with that code in the CSV and "stale" in the printed table.
  monkeypatch.setattr(code_identity, "current", lambda: "0.0.0+000000000000")
  lines = []
  kept = _run(out, lines, keep_stale=True)
  assert _started(lines) == []
  row, = curves.read_csv(str(out / "curves.csv"))
  assert (row.run_id, row.stale_code) == (second.records[0].run_id, changed)
  assert row.intercept_nats == second.records[0].intercept_nats
  assert kept.records[0].stale_code == changed
  table = next(line for line in lines if line.startswith("estimator"))
  assert table.splitlines()[1].split()[:4] == ["analytic", "3", "0", "stale"]
  # A codec added to the run: report.md names the kept row and the code that made it.
  report = rdbounds.add_codecs(str(out), codecs=["scalar"], **QUIET).report
  assert f"| analytic | 3 | {row.run_id} | {changed} |" in report
