"""The main binary end to end, in a subprocess, as a user runs it."""

import json
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import theory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "experiments", "sandwich.py")


def run_binary(*args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([sys.executable, BINARY, *args], capture_output=True, text=True,
                        env=env, cwd=ROOT, timeout=600)


class SandwichBinaryTest(tf.test.TestCase):

  def test_references_on_gaussian(self):
    out = os.path.join(self.get_temp_dir(), "gauss")
    result = run_binary("--source=gaussian", "--dim=2", "--estimators=analytic,blahut_arimoto",
                        "--lambdas=0.5,1,3", "--preset=quick", "--lb_tol=1e-6", f"--out={out}")
    self.assertEqual(result.returncode, 0, result.stderr)
    records = curves.read_csv(os.path.join(out, "curves.csv"))
    truth = theory.GaussianRD([1.0, 1.0])
    self.assertLen([r for r in records if r.estimator == "analytic"], 3)
    self.assertLen([r for r in records if r.estimator == "blahut_arimoto"], 3)
    for record in records:
      self.assertAllClose(record.rate_nats, truth.rate(record.distortion), atol=0.02)
      # BA's bracket is exact for the histogram, which adds ~bin^2/12 of variance.
      self.assertAllClose(record.intercept_nats, truth.intercept(record.lmbda), atol=0.02)
      if record.estimator == "analytic":
        self.assertAllClose((record.distortion, record.rate_nats), truth.point(record.lmbda))
    self.assertTrue(os.path.getsize(os.path.join(out, "curves.png")) > 1000)
    config = json.load(open(os.path.join(out, "config.json")))
    self.assertEqual(config["source_options"]["kind"], "gaussian")
    self.assertEqual(config["versions"]["tensorflow"], "2.14.1")
    self.assertEqual(config["flags"]["lb_tol"], 1e-6)  # estimator flags are recorded too

  def test_inapplicable_estimator_is_skipped_with_one_line(self):
    out = os.path.join(self.get_temp_dir(), "skip")
    result = run_binary("--source=banana", "--dim=3", "--estimators=analytic,blahut_arimoto",
                        "--lambdas=1", "--preset=quick", "--ba_samples=20000", "--ba_bins=20",
                        f"--out={out}")
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertIn("skipping analytic: no closed-form R(D)", result.stdout)

  def test_nan_data_fails_with_one_line_and_writes_nothing(self):
    data = np.random.default_rng(0).standard_normal((50, 2))
    data[7, 1] = np.nan
    path = os.path.join(self.get_temp_dir(), "nan.npy")
    np.save(path, data)
    out = os.path.join(self.get_temp_dir(), "nan-out")
    result = run_binary("--source=npy", f"--train={path}", "--estimators=blahut_arimoto",
                        f"--out={out}")
    self.assertNotEqual(result.returncode, 0)
    lines = result.stderr.strip().splitlines()
    self.assertLen(lines, 1)
    self.assertIn(path, lines[0])
    self.assertIn("NaN", lines[0])
    self.assertFalse(os.path.exists(out))

  def test_unknown_estimator_lists_valid_ones(self):
    out = os.path.join(self.get_temp_dir(), "unknown")
    result = run_binary("--source=gaussian", "--estimators=analytic,magic", f"--out={out}")
    self.assertNotEqual(result.returncode, 0)
    self.assertIn("unknown estimator(s) magic", result.stderr)
    self.assertIn("blahut_arimoto", result.stderr)
    self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
  tf.test.main()
