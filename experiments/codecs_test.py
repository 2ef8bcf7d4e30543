"""codecs.py (`rdbounds codecs`): one-line errors; codec rows join a run and survive a re-run."""

import os
import subprocess
import sys
import tempfile

import tensorflow as tf

from rdbounds import curves
from rdbounds.sources import make_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BinaryTest(tf.test.TestCase):

  def _run(self, *args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "codecs.py"), *args],
                          capture_output=True, text=True, env=env, timeout=300)

  def test_errors_are_one_line(self):
    empty = tempfile.mkdtemp()
    result = self._run(f"--run={empty}")
    self.assertEqual(result.returncode, 2)
    self.assertRegex(result.stderr.strip(), r"^codecs.py: error: .*config.json not found[^\n]*$")
    with open(os.path.join(empty, "config.json"), "w") as f:
      f.write('{"source_options": {"kind": "gaussian", "dim": 2}, "lambdas": [1.0], "jobs": []}')
    result = self._run(f"--run={empty}", "--codecs=nope")
    self.assertEqual(result.returncode, 2)
    self.assertRegex(result.stderr.strip(),
                     r"^codecs.py: error: unknown codec\(s\) nope; valid: [^\n]*jpeg[^\n]*$")

  def test_codec_rows_join_the_run_and_survive_a_rerun_of_the_sweep(self):
    run = tempfile.mkdtemp()
    sandwich = [sys.executable, os.path.join(ROOT, "experiments", "sandwich.py"),
                "--source=gaussian", "--dim=2", "--estimators=analytic", "--lambdas=0.5,2",
                "--preset=quick", f"--out={run}"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    first = subprocess.run(sandwich, capture_output=True, text=True, env=env, timeout=300)
    self.assertEqual(first.returncode, 0, msg=first.stderr)
    result = self._run(f"--run={run}", "--codecs=scalar")
    self.assertEqual(result.returncode, 0, msg=result.stderr)
    source = make_source("gaussian", dim=2)
    records = curves.read_csv(os.path.join(run, "curves.csv"))
    scalar_rows = [r for r in records if r.estimator == "codec:scalar"]
    self.assertLen(scalar_rows, 7)  # The quick preset's step sweep.
    for r in scalar_rows:
      self.assertGreater(r.rate_nats, source.analytic.rate(r.distortion))
    with open(os.path.join(run, "report.md")) as f:
      self.assertIn("BD-rate", f.read())
    # The sweep again (resumed: every job cached) keeps the codec's rows, byte for byte.
    with open(os.path.join(run, "curves.csv")) as f:
      before = f.read()
    again = subprocess.run(sandwich, capture_output=True, text=True, env=env, timeout=300)
    self.assertEqual(again.returncode, 0, msg=again.stderr)
    with open(os.path.join(run, "curves.csv")) as f:
      self.assertEqual(f.read(), before)


if __name__ == "__main__":
  tf.test.main()

