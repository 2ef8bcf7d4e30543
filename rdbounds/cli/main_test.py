"""The installed `rdbounds` command: subcommands, their help, one-line errors."""

import os
import subprocess
import sys

import pytest

COMMAND = os.path.join(os.path.dirname(sys.executable), "rdbounds")


def _run(*args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("command, flag", [
    ("sandwich", "--estimators"), ("codecs", "--codecs"), ("evaluate", "--lb_eval_k"),
    ("plot", "--units")])
def test_each_subcommand_lists_its_flags_and_exits_zero(command, flag):
  result = _run(command, "--help")
  assert result.returncode == 0, result.stderr
  assert flag in result.stdout and f"rdbounds {command}" in result.stdout


def test_errors_are_one_line_naming_the_subcommand():
  result = _run("sandwich", "--lb_k=many")
  assert result.returncode == 2
  assert result.stderr.strip() == "rdbounds sandwich: error: --lb_k: expected integer, got 'many'"
  result = _run("codecs")
  assert result.returncode == 2
  assert result.stderr.strip().startswith("rdbounds codecs: error: --run=DIR is required")
  unknown = _run("sandwhich")
  assert unknown.returncode == 2
  assert "unknown subcommand 'sandwhich'; valid: sandwich, codecs, evaluate, plot" in unknown.stderr
  bare = _run()
  assert bare.returncode == 2 and "usage: rdbounds SUBCOMMAND" in bare.stderr
