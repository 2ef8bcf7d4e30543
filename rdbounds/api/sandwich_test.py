"""`rdbounds.sandwich`: rows against closed forms, the binary's jobs, resumes, bad input."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import rdbounds
from rdbounds import curves
from rdbounds import theory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUIET = dict(log=lambda line: None)


def _started(lines):
  """The jobs a sweep started (finished jobs found on disk are not started)."""
  return [line for line in lines if line.startswith("[sweep] start")]


def _binary(*args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "sandwich.py"), *args],
                        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


class SandwichTest(tf.test.TestCase):

  def test_closed_form_rows_and_a_second_call_that_runs_nothing(self):
    out = os.path.join(self.get_temp_dir(), "gauss")
    result = rdbounds.sandwich("gaussian", source_options={"dim": 2}, lambdas=[0.5, 3],
                               estimators=["analytic", "blahut_arimoto"], preset="quick",
                               out=out, **QUIET)
    truth = theory.GaussianRD([1.0, 1.0])
    self.assertEqual([(r.estimator, r.lmbda) for r in result.records],
                     [("analytic", 0.5), ("analytic", 3.0), ("blahut_arimoto", 0.5),
                      ("blahut_arimoto", 3.0)])
    for record in result.records:
      # BA's histogram adds about bin^2 / 12 of variance: 0.02 nats.
      self.assertAllClose(record.intercept_nats, truth.intercept(record.lmbda), atol=0.02)
    self.assertAllClose(result.records[1].rate_nats, math.log(3))  # theta = 1/3: R = ln 3
    self.assertEqual(result.records, curves.read_csv(os.path.join(out, "curves.csv")))
    self.assertGreater(os.path.getsize(os.path.join(out, "curves.png")), 1000)

    lines = []
    again = rdbounds.sandwich("gaussian", source_options={"dim": 2}, lambdas=[0.5, 3],
                              estimators=["analytic", "blahut_arimoto"], preset="quick",
                              out=out, log=lines.append)
    self.assertEqual(_started(lines), [])
    self.assertEqual(again.records, result.records)
    csv_path = os.path.join(self.get_temp_dir(), "copy.csv")
    again.to_csv(csv_path)
    self.assertEqual(curves.read_csv(csv_path), result.records)

  def test_samples_in_memory_give_the_jobs_of_the_same_samples_in_a_file(self):
    x = np.random.default_rng(1).normal(size=(5000, 2)) * [1.0, 0.5]
    out = os.path.join(self.get_temp_dir(), "array")
    options = {"blahut_arimoto": {"samples": 20000, "bins": 20}}
    result = rdbounds.sandwich(x, lambdas=[2], estimators=["blahut_arimoto"], preset="quick",
                               out=out, options=options, **QUIET)
    self.assertLen(result.records, 1)
    # The same bytes in a file the user saved: the command line plans the same job, finds it
    # finished in the folder and runs nothing; its CSV holds the API's rows.
    path = os.path.join(self.get_temp_dir(), "x.npy")
    np.save(path, x)
    run = _binary("--source=npy", f"--train={path}", "--lambdas=2",
                  "--estimators=blahut_arimoto", "--preset=quick", "--ba_samples=20000",
                  "--ba_bins=20", f"--out={out}")
    self.assertEqual(run.returncode, 0, run.stderr)
    self.assertEqual(_started(run.stdout.splitlines()), [])
    self.assertEqual(curves.read_csv(os.path.join(out, "curves.csv")), result.records)
    # Other samples are another source: other jobs, never the finished ones.
    lines = []
    rdbounds.sandwich(x[:4000], lambdas=[2], estimators=["blahut_arimoto"], preset="quick",
                      out=out, options=options, log=lines.append)
    self.assertLen(_started(lines), 1)

  def test_few_samples_get_the_same_fitted_k_in_memory_and_on_the_command_line(self):
    # 2,000 rows hold out 200; the quick preset's 8 disjoint draws (M = 8) of its eval_k =
    # 8192 need 65,536, so k becomes 200 // 8 = 25, for training too.
    x = np.random.default_rng(2).normal(size=(2000, 2))
    out = os.path.join(self.get_temp_dir(), "few")
    fitted = ("lower_bound: 200 held-out samples allow 8 disjoint draws of k = 25 (the "
              "preset's evaluation at k = 8192 needs 65,536); training at k = 25")
    lines = []
    result = rdbounds.sandwich(x, lambdas=[2], estimators=["lower_bound"], preset="quick",
                               out=out, options={"lower_bound": {"particle_steps": 20}},
                               log=lines.append)
    self.assertIn(fitted, lines)
    record, = result.records
    self.assertAllClose(record.ceiling_nats, math.log(25))  # the evaluation's ln k
    with open(os.path.join(out, "jobs", record.run_id, "job.json")) as f:
      config = json.load(f)["config"]
    self.assertEqual((config["k"], config["eval_k"]), (25, None))
    # The command line on the same samples in a file fits the same k: the same job, found
    # finished.
    path = os.path.join(self.get_temp_dir(), "few.npy")
    np.save(path, x)
    run = _binary("--source=npy", f"--train={path}", "--lambdas=2", "--estimators=lower_bound",
                  "--preset=quick", "--lb_particle_steps=20", f"--out={out}")
    self.assertEqual(run.returncode, 0, run.stderr)
    self.assertIn(fitted, run.stdout.splitlines())
    self.assertEqual(_started(run.stdout.splitlines()), [])
    self.assertEqual(curves.read_csv(os.path.join(out, "curves.csv")), result.records)

  def test_a_run_without_folder_leaves_none(self):
    before = set(os.listdir(self.get_temp_dir()))
    result = rdbounds.sandwich("gaussian", source_options={"dim": 1}, lambdas=[2],
                               estimators=["analytic"], **QUIET)
    self.assertIsNone(result.out)
    self.assertAllClose(result.records[0].rate_nats, math.log(2))  # D = 1/(2 lambda), R = ln 2
    self.assertEqual(set(os.listdir(self.get_temp_dir())), before)


class BadInputTest(tf.test.TestCase):

  def _refused(self, message, data, **kwargs):
    out = os.path.join(self.get_temp_dir(), "never")
    kwargs = dict(dict(lambdas=[1], estimators=["upper_bound", "lower_bound"]), **kwargs)
    with self.assertRaises(ValueError) as raised:
      rdbounds.sandwich(data, out=out, **kwargs, **QUIET)
    self.assertIn(message, str(raised.exception))
    self.assertNotIn("\n", str(raised.exception))
    self.assertFalse(os.path.exists(out))

  def test_bad_samples_are_refused_in_one_line_and_nothing_is_written(self):
    x = np.random.default_rng(0).normal(size=(1000, 2))
    nan = x.copy()
    nan[17, 1] = np.nan
    self._refused("data: contains NaN or inf (first in sample 17)", nan)
    self._refused("data: rank 1", x[:, 0])
    self._refused("data: rank 3", x.reshape(1000, 2, 1))
    self._refused("data: 1 sample", x[:1])
    self._refused("test: sample shape (3,) differs from data's (2,)", x, test=np.ones((10, 3)))
    self._refused("data: image values must lie in [0, 1]", np.full((10, 4, 4, 3), 2.0))
    # 30 held-out rows cannot make the default lower bound's 30 disjoint draws of 2 or more.
    self._refused("held-out samples are too few for the lower bound", x[:300])

  def test_bad_requests_are_refused_in_one_line(self):
    x = np.zeros((100, 2))
    self._refused("unknown estimator(s) magic; valid: ", x, estimators=["magic"])
    self._refused("lambdas must be positive", x, lambdas=[1, -2])
    self._refused("unknown preset 'fast'", x, preset="fast")
    self._refused("lower_bound: k: expected integer, got 'many'", x,
                  options={"lower_bound": {"k": "many"}})
    self._refused("lower_bound: unknown option(s) trained_by", x,
                  options={"lower_bound": {"trained_by": "x"}})
    self._refused("options for wgd, which is not among the estimators", x,
                  options={"wgd": {"steps": 3}})
    self._refused("neither a source", "gausian")

  def test_options_for_an_estimator_outside_the_sources_default_are_refused(self):
    # The GAN source's default upper bound is wgd: beta-VAE options would go unused.
    self._refused("options for upper_bound, which is not among the estimators (wgd, "
                  "lower_bound)", "gan", estimators=None,
                  options={"upper_bound": {"steps": 3}})


def test_importing_the_package_does_not_load_tensorflow():
  code = ("import sys, rdbounds; "
          "print(sorted(m for m in ('tensorflow', 'matplotlib') if m in sys.modules))")
  result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
  assert result.stdout.strip() == "[]"


def test_a_bad_npy_path_is_refused_before_tensorflow_loads(tmp_path):
  x = np.ones((50, 2))
  x[7, 1] = np.nan
  np.save(tmp_path / "nan.npy", x)
  code = ("import sys, rdbounds\n"
          "try:\n"
          f"  rdbounds.sandwich({str(tmp_path / 'nan.npy')!r}, out={str(tmp_path / 'out')!r})\n"
          "except ValueError as e:\n"
          "  print(e)\n"
          "print('tensorflow' in sys.modules)\n")
  result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
  assert result.stdout.splitlines() == [
      f"{tmp_path / 'nan.npy'}: contains NaN or inf (first in sample 7)", "False"]
  assert not (tmp_path / "out").exists()


@pytest.mark.slow  # an end-to-end run of tens of seconds: `make test-slow` (CI runs it)
class DoneWhenTest(tf.test.TestCase):
  """Issue 28's one-liner: N(0, I_2), lambda 1 and 3, upper and lower bound, quick preset."""

  def test_every_line_lies_below_every_point_and_a_resume_runs_nothing(self):
    x = np.random.default_rng(0).normal(size=(20000, 2))
    out = os.path.join(self.get_temp_dir(), "gauss")
    request = dict(lambdas=[1, 3], estimators=["upper_bound", "lower_bound"], preset="quick",
                   out=out)
    result = rdbounds.sandwich(x, **request, **QUIET)
    self.assertEqual(result.failed, [])
    points = [r for r in result.records if r.estimator == "upper_bound"]
    lines = [r for r in result.records if r.estimator == "lower_bound"]
    self.assertEqual([r.lmbda for r in points], [1, 3])
    self.assertEqual([r.lmbda for r in lines], [1, 3])
    truth = theory.GaussianRD([1.0, 1.0])
    for line in lines:
      for point in points:
        self.assertLessEqual(line.intercept_nats,
                             point.rate_nats + line.lmbda * point.distortion)
      # Valid against the closed form too, with 95% confidence.
      self.assertLessEqual(line.intercept_ci_low, truth.intercept(line.lmbda))
    with open(os.path.join(out, "config.json")) as f:
      self.assertEqual(json.load(f)["jobs"], [r.run_id for r in result.records])

    logged = []
    again = rdbounds.sandwich(x, **request, log=logged.append)
    self.assertEqual(_started(logged), [])
    self.assertEqual(again.records, curves.read_csv(os.path.join(out, "curves.csv")))
    self.assertEqual(again.records, result.records)


@pytest.mark.slow  # an end-to-end run of about 40 seconds: `make test-slow` (CI runs it)
class GanDefaultTest(tf.test.TestCase):
  """The GAN image sandwich as a user first runs it: no estimators named, quick preset."""

  def test_the_wgd_point_lies_above_the_lower_bound_line_and_near_it(self):
    lmbda = 300.0
    result = rdbounds.sandwich("gan", source_options={"intrinsic_dim": 2}, lambdas=[lmbda],
                               preset="quick", **QUIET)
    self.assertEqual(result.failed, [])
    point, line = result.records
    self.assertEqual((point.estimator, line.estimator), ("wgd", "lower_bound"))
    lagrangian = point.rate_nats + lmbda * point.distortion
    self.assertLessEqual(line.intercept_ci_low, lagrangian)
    # Measured 3.94 (point) and 3.42 (line): a 13% gap at the quick preset's k = 256.
    self.assertGreater(line.intercept_nats, 0.8 * lagrangian)


if __name__ == "__main__":
  tf.test.main()
