"""The comparison report: distances to the envelopes and BD-rates on constructed curves."""

import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds.codecs import report
from rdbounds.sources import make_source

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _point(estimator, d, r, pixels=None, run_id=""):
  return curves.Record(source="s", estimator=estimator, distortion=d, rate_nats=r,
                       pixels_per_sample=pixels, run_id=run_id)


class CompareTest(tf.test.TestCase):

  def test_vector_distances_at_equal_distortion(self):
    # UB envelope through (0.1, 2) and (0.5, 1); one LB line R >= 2.2 - 4 D.
    records = [_point("upper_bound", 0.1, 2.0), _point("upper_bound", 0.5, 1.0),
               curves.Record(source="s", estimator="lower_bound", lmbda=4.0, intercept_nats=2.2),
               _point("codec:x", 0.3, 1.9)]
    c, = report.compare(records)
    self.assertNear(c.to_ub, 1.9 - 1.5, 1e-12)
    self.assertNear(c.to_lb, 1.9 - (2.2 - 1.2), 1e-12)
    self.assertTrue(math.isnan(c.to_reference))

  def test_vector_reference_is_the_analytic_rd(self):
    source = make_source("gaussian", dim=2)
    c, = report.compare([_point("codec:x", 0.25, 2.0)], source)
    self.assertNear(c.to_reference, 2.0 - math.log(4.0), 1e-9)

  def test_image_distances_in_db_at_equal_rate(self):
    pixels = 64
    # UB envelope: D = 0.01 at R = 100 nats, D = 0.001 at R = 300 nats.
    records = [_point("upper_bound", 0.01, 100.0, pixels), _point("upper_bound", 0.001, 300.0, pixels),
               curves.Record(source="s", estimator="lower_bound", lmbda=1e4, intercept_nats=250.0),
               _point("codec:jpeg", 0.004, 200.0, pixels)]
    c, = report.compare(records)
    ub_d = 0.0055  # Linear in (R, D) halfway between the vertices.
    self.assertNear(c.to_ub, -10 * math.log10(ub_d) + 10 * math.log10(0.004), 1e-9)
    lb_d = (250.0 - 200.0) / 1e4  # The LB line allows no smaller D at this rate.
    self.assertNear(c.to_lb, -10 * math.log10(lb_d) + 10 * math.log10(0.004), 1e-9)

  def test_beyond_the_envelope_a_monotone_bound_replaces_n_a(self):
    # R(D) falls as D grows: beyond the UB envelope's range the nearest vertex still bounds it.
    pixels = 64
    ub = [_point("upper_bound", 0.01, 100.0, pixels), _point("upper_bound", 0.001, 300.0, pixels)]
    image, = report.compare(ub + [_point("codec:jpeg", 0.0005, 400.0, pixels)])
    self.assertTrue(image.to_ub_at_least)  # 400 nats is beyond the envelope's 300
    self.assertNear(image.to_ub, 10 * math.log10(0.0005 / 0.001), 1e-9)  # -3 dB, at least
    vector, = report.compare([_point("upper_bound", 0.1, 2.0), _point("upper_bound", 0.5, 1.0),
                              _point("codec:x", 0.8, 1.2)])
    self.assertTrue(vector.to_ub_at_least)
    self.assertNear(vector.to_ub, 1.2 - 1.0, 1e-12)
    self.assertIn("| >= -3.01 |", report.markdown(
        ub + [_point("codec:jpeg", 0.0005, 400.0, pixels, run_id="codec:jpeg-q=90")]))


class BDRateTest(tf.test.TestCase):

  def test_identical_curves_give_zero_and_scaled_rates_give_the_scale(self):
    d = np.geomspace(0.01, 0.5, 6)
    r = 0.5 * np.log(1 / d) + 0.2
    self.assertNear(report.bd_rate(d, r, d, r), 0.0, 1e-9)
    self.assertNear(report.bd_rate(d, 1.1 * r, d, r), 10.0, 1e-6)
    self.assertNear(report.bd_rate(d, 0.8 * r, d, r), -20.0, 1e-6)

  def test_no_overlap_is_nan(self):
    self.assertTrue(math.isnan(report.bd_rate([0.5, 0.4], [1, 2], [0.01, 0.02], [5, 6])))

  def test_markdown_lists_every_codec_point_and_bd_rate(self):
    records = [_point("upper_bound", 0.1, 2.0), _point("upper_bound", 0.5, 1.0),
               _point("codec:scalar", 0.3, 1.9, run_id="codec:scalar-step=1"),
               _point("codec:scalar", 0.15, 2.4, run_id="codec:scalar-step=0.5")]
    text = report.markdown(records)
    self.assertIn("step=0.5", text)
    self.assertIn("codec:scalar:", text)
    self.assertEqual(text.count("| codec:scalar |"), 2)


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
