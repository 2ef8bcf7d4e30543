"""Sweeps: resume after SIGKILL, Dask against in-process, failing jobs reported, merging job
files into curves.csv across a schema change, the ETA."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf

from rdbounds import code_identity
from rdbounds import curves
from rdbounds import estimators
from rdbounds import references
from rdbounds import sources
from rdbounds import sweep

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BA_CONFIG = references.BlahutArimotoConfig(samples=100_000, bins=40, max_iterations=3000)
SOURCE = sources.make_source("gaussian", dim=2).spec


def _ba_jobs(lambdas, seed=0):
  return [estimators.Job("blahut_arimoto", l, seed, BA_CONFIG, SOURCE) for l in lambdas]


def _raise_on_purpose(source, job, context):
  raise FloatingPointError("loss became NaN (on purpose)")


estimators.register(estimators.Estimator(name="always_fails", run=_raise_on_purpose))
NO_OPTIONS = estimators.NoOptions()


class SweepTest(tf.test.TestCase):

  def test_failed_job_is_reported_and_others_finish(self):
    out = self.get_temp_dir()
    jobs = (_ba_jobs([1.0]) + [estimators.Job("always_fails", 2.0, 0, NO_OPTIONS, SOURCE)]
            + _ba_jobs([3.0]))
    lines = []
    outcomes = sweep.run_sweep(jobs, out, log=lines.append)
    self.assertEqual([o.status for o in outcomes], ["done", "failed", "done"])
    self.assertIn("NaN (on purpose)", outcomes[1].error)
    self.assertTrue(any("failed" in line and "NaN (on purpose)" in line for line in lines))
    self.assertTrue(os.path.exists(os.path.join(out, "jobs", jobs[1].job_id, "error.txt")))
    self.assertLen(curves.read_csv(os.path.join(out, "curves.csv")), 2)
    self.assertIn("always_fails", sweep.summary_table(outcomes))

  def test_summary_lists_every_record_of_a_job(self):
    job = estimators.Job("lower_bound", 10.0, 0, NO_OPTIONS, SOURCE)
    records = [curves.Record("s", "lower_bound", l, intercept_nats=f, intercept_ci_low=f - 0.3)
               for l, f in ((3.0, 1.5), (10.0, 2.5))]
    table = sweep.summary_table([sweep.JobOutcome(job, "done", records, 1.0)])
    lines = table.splitlines()
    self.assertLen(lines, 3)
    self.assertIn("3", lines[1].split()[1])
    # The bound (the interval's low end) first, the mean beside it.
    self.assertIn("95% low end", lines[0])
    self.assertEqual(lines[1].split()[-2:], ["1.2", "1.5"])
    self.assertEqual(lines[2].split()[-2:], ["2.2", "2.5"])

  def test_rerun_skips_finished_jobs(self):
    out = self.get_temp_dir()
    jobs = _ba_jobs([1.0, 3.0])
    first = sweep.run_sweep(jobs, out, log=lambda line: None)
    again = sweep.run_sweep(jobs, out, log=lambda line: None)
    self.assertEqual([o.status for o in again], ["cached", "cached"])
    self.assertEqual([o.records for o in again], [o.records for o in first])

  def test_job_file_says_what_the_id_stands_for(self):
    out = self.get_temp_dir()
    job = _ba_jobs([3.0])[0]
    sweep.run_sweep([job], out, log=lambda line: None)
    with open(os.path.join(out, "jobs", job.job_id, sweep.JOB)) as f:
      described = estimators.Job.from_json(json.load(f))
    self.assertEqual(described.job_id, job.job_id)
    self.assertEqual(described.config, BA_CONFIG)

  @pytest.mark.slow  # an end-to-end run of tens of seconds: `make test-slow` (CI runs it)
  def test_dask_local_cluster_gives_the_same_rows(self):
    jobs = _ba_jobs([1.0, 3.0, 10.0])
    local = sweep.run_sweep(jobs, os.path.join(self.get_temp_dir(), "a"), log=lambda l: None)
    dask = sweep.run_sweep(jobs, os.path.join(self.get_temp_dir(), "b"),
                           executor="local:2", log=lambda l: None)
    for a, b in zip(local, dask):
      self.assertEqual(b.status, "done")
      ra, rb = a.records[0], b.records[0]
      self.assertAllClose([ra.distortion, ra.rate_nats, ra.intercept_nats],
                          [rb.distortion, rb.rate_nats, rb.intercept_nats], rtol=1e-6)

  @pytest.mark.slow  # an end-to-end run of tens of seconds: `make test-slow` (CI runs it)
  def test_sigkill_then_rerun_keeps_finished_rows_byte_identical(self):
    out = os.path.join(self.get_temp_dir(), "killed")
    command = [sys.executable, os.path.join(ROOT, "experiments", "sandwich.py"),
               "--source=banana", "--estimators=blahut_arimoto", "--lambdas=1,3,10,30",
               "--ba_samples=400000", "--ba_bins=70", "--preset=quick", f"--out={out}"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    csv_path = os.path.join(out, "curves.csv")
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
      if os.path.exists(csv_path) and len(curves.read_csv(csv_path)) >= 1:
        break
      time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with open(csv_path) as f:
      before = f.read().splitlines()
    self.assertGreaterEqual(len(before), 2)  # Header and at least one finished row.
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    self.assertEqual(result.returncode, 0, result.stderr)
    with open(csv_path) as f:
      after = f.read().splitlines()
    self.assertLen(after, 1 + 4)
    self.assertEqual(after[:len(before)], before)
    self.assertEqual(sorted(r.lmbda for r in curves.read_csv(csv_path)), [1.0, 3.0, 10.0, 30.0])


class SweepBookkeepingTest(tf.test.TestCase):

  def test_merge_rewrites_jobs_finished_before_the_header_bits_column(self):
    tmp_path = pathlib.Path(self.get_temp_dir())
    old_header = ",".join(c for c in curves.COLUMNS if c not in curves.OPTIONAL_COLUMNS)
    old = curves.Record(source="s", estimator="upper_bound", lmbda=1.0, distortion=0.5,
                        rate_nats=0.7, run_id="old")
    new = curves.Record(source="s", estimator="codec:jpeg", distortion=0.01, rate_nats=700.0,
                        pixels_per_sample=1024, header_bits=40.0, run_id="new")
    old_text = curves.records_to_csv_text([old]).splitlines()[1].rsplit(
        ",", len(curves.OPTIONAL_COLUMNS))[0]
    for job_id, text in (("a", old_header + "\n" + old_text + "\n"),
                         ("b", curves.records_to_csv_text([new]))):
      os.makedirs(tmp_path / "jobs" / job_id)
      (tmp_path / "jobs" / job_id / sweep.RECORDS).write_text(text)
      (tmp_path / "jobs" / job_id / sweep.JOB).write_text(
          json.dumps({"code": code_identity.current()}))
    assert sweep.merge(str(tmp_path), ["a", "b"]) == [old, new]
    # The merged file is in today's schema, every row with every column.
    assert curves.read_csv(str(tmp_path / "curves.csv")) == [old, new]
    header = (tmp_path / "curves.csv").read_text().splitlines()[0]
    assert header == ",".join(curves.COLUMNS)

  def test_eta_scales_with_each_jobs_training_steps_and_leaves_untimed_estimators_out(self):
    from rdbounds.lower import config as lower_config  # pylint: disable=g-import-not-at-top
    from rdbounds.upper import config as upper_config  # pylint: disable=g-import-not-at-top
    first = upper_config.UpperBoundConfig(steps=45_000)
    source = sources.SourceSpec("banana", description={"name": "banana"})
    chain = [estimators.Job("upper_bound", 3.0, 0, first, source),
             estimators.Job("upper_bound", 1.0, 0, first.override(steps=9000), source),
             estimators.Job("upper_bound", 3.0, 1, first.override(steps=9000), source)]
    lower = estimators.Job("lower_bound", 3.0, 0, lower_config.LowerBoundConfig(), source)
    lines = []
    progress = sweep._Progress(chain + [lower], lines.append)
    progress.finish(sweep.JobOutcome(chain[0], "done", [], seconds=500.0))
    # Two jobs of a fifth of the first's steps: 2 x 100 s, not 2 x 500 s.
    assert lines[-1].endswith(", ETA 200s (sequential estimate; 1 lower_bound job not yet timed)")
    progress.finish(sweep.JobOutcome(chain[1], "cached", [], seconds=0.0))
    assert lines[-1].endswith(", ETA 100s (sequential estimate; 1 lower_bound job not yet timed)")
    progress.finish(sweep.JobOutcome(chain[2], "done", [], seconds=100.0))
    assert "ETA" not in lines[-1]  # Only the untimed lower-bound job is left.


if __name__ == "__main__":
  tf.test.main()
