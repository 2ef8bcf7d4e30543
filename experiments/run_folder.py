"""A sandwich.py output folder as the binaries see it: its config.json and its list of jobs.

OUT/config.json records the flags, the source, and the ids of the run's jobs in CSV order:
`jobs` (planned by sandwich.py) and `added_jobs` (added later by codecs.py or evaluate.py).
OUT/curves.csv is the merge of exactly these jobs' rows, so rows added to a run survive a
re-run of sandwich.py.
"""

import json
import os

from rdbounds import curves


def load(run_dir: str) -> dict:
  """The run's config.json. Raises ValueError (one line) if it is missing or not ours."""
  path = os.path.join(run_dir, "config.json")
  if not os.path.isfile(path):
    raise ValueError(f"{path} not found: --run must be a finished sandwich.py output folder")
  try:
    with open(path) as f:
      config = json.load(f)
  except json.JSONDecodeError as e:
    raise ValueError(f"{path}: not valid JSON ({e})") from None
  if "source_options" not in config or "jobs" not in config:
    raise ValueError(f"{path}: not written by this version of sandwich.py (no source_options "
                     f"or jobs); re-run sandwich.py on it first")
  config.setdefault("added_jobs", [])
  return config


def save(run_dir: str, config: dict) -> None:
  curves.atomic_write_text(os.path.join(run_dir, "config.json"),
                           json.dumps(config, indent=2, default=list) + "\n")


def jobs_added_earlier(run_dir: str, source_description: dict) -> list:
  """Ids of jobs codecs.py or evaluate.py added to an earlier run of this source."""
  try:
    previous = load(run_dir)
  except ValueError:
    return []
  if previous.get("source") != source_description:
    return []
  return [i for i in previous["added_jobs"] if os.path.isdir(os.path.join(run_dir, "jobs", i))]


def merged_ids(config: dict) -> list:
  """The ids whose rows make up curves.csv, in order."""
  return config["jobs"] + [i for i in config["added_jobs"] if i not in config["jobs"]]


def finished_jobs(run_dir: str, config: dict):
  """(job id, job.json contents) of the run's planned jobs that finished."""
  for job_id in config["jobs"]:
    job_dir = os.path.join(run_dir, "jobs", job_id)
    if os.path.exists(os.path.join(job_dir, "records.csv")):
      with open(os.path.join(job_dir, "job.json")) as f:
        yield job_id, json.load(f)
