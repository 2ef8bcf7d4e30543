"""evaluate.py (`rdbounds evaluate`): a run's trained models evaluated again, without training."""

import os
import subprocess
import sys

import pytest
import tensorflow as tf

from rdbounds import curves

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(binary, *args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([sys.executable, os.path.join(ROOT, "experiments", binary), *args],
                        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


class EvaluateBinaryTest(tf.test.TestCase):

  @pytest.mark.slow  # an end-to-end run of tens of seconds: `make test-slow` (CI runs it)
  def test_rows_from_restored_models_join_the_run_and_survive_a_rerun(self):
    out = os.path.join(self.get_temp_dir(), "run")
    sandwich = ("sandwich.py", "--source=gaussian", "--dim=2", "--lambdas=3", "--preset=quick",
                "--estimators=upper_bound,lower_bound", "--ub_steps=200", "--lb_steps=50",
                "--lb_k=128", "--lb_eval_k=none", "--lb_m=4", f"--out={out}")
    result = _run(*sandwich)
    self.assertEqual(result.returncode, 0, result.stderr)
    trained = curves.read_csv(os.path.join(out, "curves.csv"))
    self.assertEqual([r.estimator for r in trained], ["upper_bound", "lower_bound"])

    # The same evaluation settings on the restored models give the same numbers: the trained
    # weights (and the LB's input standardization) are restored, not trained again.
    result = _run("evaluate.py", f"--run={out}")
    self.assertEqual(result.returncode, 0, result.stderr)
    again = curves.read_csv(os.path.join(out, "curves.csv"))
    self.assertLen(again, 4)
    for before, after in zip(trained, again[2:]):
      self.assertNotEqual(before.run_id, after.run_id)
      self.assertEqual(after.steps, before.steps)
      for field in ("distortion", "rate_nats", "intercept_nats", "intercept_ci_low"):
        if getattr(before, field) is not None:
          self.assertAllClose(getattr(after, field), getattr(before, field), rtol=1e-6)

    # Other settings add rows keyed by them: more samples per draw raise the LB's ceiling.
    result = _run("evaluate.py", f"--run={out}", "--estimators=lower_bound", "--lb_eval_k=512",
                  "--lb_m=6")
    self.assertEqual(result.returncode, 0, result.stderr)
    rows = curves.read_csv(os.path.join(out, "curves.csv"))
    self.assertLen(rows, 5)
    self.assertAllClose(rows[-1].ceiling_nats, 6.2383246, atol=1e-6)  # ln 512
    self.assertEqual(rows[-1].n_eval, 6)

    # Only evaluation options can be set; a re-run of the sweep keeps every row.
    bad = _run("evaluate.py", f"--run={out}", "--lb_k=256")
    self.assertEqual(bad.returncode, 2)
    self.assertIn("Unknown command line flag 'lb_k'", bad.stderr)
    with open(os.path.join(out, "curves.csv")) as f:
      before = f.read()
    result = _run(*sandwich)
    self.assertEqual(result.returncode, 0, result.stderr)
    with open(os.path.join(out, "curves.csv")) as f:
      self.assertEqual(f.read(), before)


if __name__ == "__main__":
  tf.test.main()
