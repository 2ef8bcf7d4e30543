"""The sweep's bookkeeping: merging job files into curves.csv across a schema change, the ETA."""

import os

from rdbounds import curves
from rdbounds import estimators
from rdbounds import sources
from rdbounds import sweep


def test_merge_rewrites_jobs_finished_before_the_header_bits_column(tmp_path):
  old_header = ",".join(c for c in curves.COLUMNS if c != "header_bits")
  old = curves.Record(source="s", estimator="upper_bound", lmbda=1.0, distortion=0.5,
                      rate_nats=0.7, run_id="old")
  new = curves.Record(source="s", estimator="codec:jpeg", distortion=0.01, rate_nats=700.0,
                      pixels_per_sample=1024, header_bits=40.0, run_id="new")
  old_text = curves.records_to_csv_text([old]).splitlines()[1].rsplit(",", 1)[0]
  for job_id, text in (("a", old_header + "\n" + old_text + "\n"),
                       ("b", curves.records_to_csv_text([new]))):
    os.makedirs(tmp_path / "jobs" / job_id)
    (tmp_path / "jobs" / job_id / sweep.RECORDS).write_text(text)
  assert sweep.merge(str(tmp_path), ["a", "b"]) == [old, new]
  # The merged file is in today's schema, every row with every column.
  assert curves.read_csv(str(tmp_path / "curves.csv")) == [old, new]
  header = (tmp_path / "curves.csv").read_text().splitlines()[0]
  assert header == ",".join(curves.COLUMNS)


def test_eta_scales_with_each_jobs_training_steps_and_leaves_untimed_estimators_out():
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
