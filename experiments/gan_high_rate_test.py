"""gan_high_rate.py: the asymptote printed beside the right rows of a run's CSV."""

import os
import subprocess
import sys

import tensorflow as tf

from rdbounds import curves

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "gan_high_rate.py"),
                         *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


class GanHighRateBinaryTest(tf.test.TestCase):

  def test_each_lambda_gets_its_tightest_upper_point_and_highest_low_end(self):
    path = os.path.join(self.get_temp_dir(), "curves.csv")
    row = dict(source="gan-d=2", lmbda=1000.0)
    curves.write_csv(path, [
        curves.Record(estimator="wgd", distortion=0.002, rate_nats=4.0, **row),  # 6.0
        curves.Record(estimator="upper_bound", distortion=0.001, rate_nats=4.5, **row),  # 5.5
        curves.Record(estimator="lower_bound", intercept_nats=5.2, intercept_ci_low=5.1,
                      intercept_ci_high=5.3, **row),
        curves.Record(estimator="lower_bound", intercept_nats=5.0, intercept_ci_low=4.9,
                      intercept_ci_high=5.1, **row),
        curves.Record(estimator="wgd", distortion=0.001, rate_nats=1.0,
                      **dict(row, lmbda=3000.0)),
    ])
    result = _run("--intrinsic_dim=2", "--lambdas=1000", "--samples=32", f"--curves={path}")
    self.assertEqual(result.returncode, 0, result.stderr)
    line, = [l for l in result.stdout.splitlines() if l.startswith("| 1000 |")]
    cells = [c.strip() for c in line.strip("|").split("|")]
    self.assertEqual(cells[1], "0.001")  # D = d / (2 lambda)
    self.assertTrue(cells[4].startswith("5.500 ("), cells)
    self.assertTrue(cells[5].startswith("5.100 ("), cells)

  def test_a_missing_csv_is_a_usage_error(self):
    result = _run("--curves=/nonexistent/curves.csv", "--samples=8")
    self.assertNotEqual(result.returncode, 0)
    self.assertIn("No such file", result.stderr)
    self.assertNotIn("Traceback", result.stderr)


if __name__ == "__main__":
  tf.test.main()
