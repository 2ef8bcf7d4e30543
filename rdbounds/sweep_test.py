"""Merging job files into curves.csv across a schema change."""

import os

from rdbounds import curves
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
