"""A run folder as the commands see it: its config.json, its list of jobs, the versions.

OUT/config.json records what asked for the run (the request and, from the command line, its
flags), the source (its options, to rebuild it; its description, which job ids hash), the
package versions, and the ids of the run's jobs in CSV order: `jobs` (planned by `sandwich`)
and `added_jobs` (added later by `add_codecs` or `reevaluate`). OUT/curves.csv is the merge of
exactly these jobs' rows, so rows added to a run survive a re-run of `sandwich`.
"""

import importlib.metadata as metadata
import json
import os
import platform

from rdbounds import curves

CONFIG = "config.json"


def load(run_dir: str) -> dict:
  """The run's config.json. Raises ValueError (one line) if it is missing or not ours."""
  path = os.path.join(run_dir, CONFIG)
  if not os.path.isfile(path):
    raise ValueError(f"{path} not found: the run must be a finished sandwich output folder")
  try:
    with open(path) as f:
      config = json.load(f)
  except json.JSONDecodeError as e:
    raise ValueError(f"{path}: not valid JSON ({e})") from None
  if "source_options" not in config or "jobs" not in config:
    raise ValueError(f"{path}: not written by this version of sandwich (no source_options "
                     f"or jobs); run sandwich on it again first")
  config.setdefault("added_jobs", [])
  return config


def save(run_dir: str, config: dict) -> None:
  curves.atomic_write_text(os.path.join(run_dir, CONFIG),
                           json.dumps(config, indent=2, default=list) + "\n")


def seed(config: dict) -> int:
  """The run's seed (folders written before it was recorded apart keep it in their flags)."""
  return config.get("seed", config.get("flags", {}).get("seed", 0))


def units(config: dict) -> str:
  """Rate units of the run's plot, "nats" or "bits" (recorded like `seed`)."""
  return config.get("units") or config.get("flags", {}).get("units") or "nats"


def jobs_added_earlier(run_dir: str, source_description: dict) -> list:
  """Ids of jobs `add_codecs` or `reevaluate` added to an earlier run of this source."""
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


def versions() -> dict:
  """Python's and the numerical packages' versions (None: not installed)."""
  result = {"python": platform.python_version()}
  for package in ("rdbounds", "tensorflow", "tensorflow-probability", "tensorflow-compression",
                  "numpy", "scipy"):
    try:
      result[package] = metadata.version(package)
    except metadata.PackageNotFoundError:
      result[package] = None
  return result
