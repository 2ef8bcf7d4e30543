"""Lambda sweeps: independent jobs, each writing its own records, merged into one CSV.

Layout of an output directory `OUT`:

    OUT/jobs/<job_id>/job.json      what defines the job: estimator, lambda, seed, the full
                                    estimator config (preset and overrides), the source's
                                    spec and the job's wiring (`Job.to_json`)
    OUT/jobs/<job_id>/records.csv   the job's rows, written atomically when it finishes
    OUT/jobs/<job_id>/ckpt/, tb/    its checkpoints and TensorBoard summaries
    OUT/jobs/<job_id>/error.txt     why it failed, if it did
    OUT/curves.csv                  all finished jobs' rows, merged (and OUT/curves.png)

A job is identified by a hash of everything that defines it (estimator, lambda, seed,
config, the source's description, wiring) and of the code that computes it
(`code_identity`), so re-running the same sweep with the same code skips finished jobs and
resumes unfinished ones from their checkpoints; a kill at any point loses at most the steps
since a checkpoint. After the code changed, the same request plans new jobs: rows the other
code made are recomputed, or kept when asked (`with_stale_kept`), and then marked in the
merged CSV (`Record.stale_code`). The merged CSV is the concatenation of the jobs' files, so
finished rows never change, byte for byte (but for that mark).

Jobs run in this process by default, or on a Dask cluster: `local:N` starts a LocalCluster
with N single-threaded worker processes, `tcp://HOST:PORT` uses an existing scheduler. Each
job seeds everything from its own seed and rebuilds its source from its spec, so rows do not
depend on the executor. A job that starts from another's trained model (`Job.depends_on`: the
upper bound's warm-start chain) runs after it on either. The sweep resolves a job's wiring
into the folders of those jobs (`job_context`): estimators never rebuild this layout.
"""

import collections
import dataclasses
import json
import logging
import os
import time
import traceback
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from rdbounds import code_identity
from rdbounds import curves
from rdbounds import estimators
from rdbounds import sources

JOB = "job.json"
RECORDS = "records.csv"
ERROR = "error.txt"


@dataclasses.dataclass
class JobOutcome:
  """What became of one job.

  Attributes:
    job: the job.
    status: "done" (ran now), "cached" (finished earlier), "stale" (finished earlier by other
      code, and kept: `with_stale_kept`) or "failed".
    records: its records (empty when failed).
    seconds: wall time of this attempt.
    error: one-line reason when failed.
  """
  job: estimators.Job
  status: str
  records: List[curves.Record]
  seconds: float
  error: str = ""


_SOURCE_CACHE: Dict[str, sources.Source] = {}


def _source_for(spec: sources.SourceSpec) -> sources.Source:
  """Builds (once per process) the source a job runs on, and checks that it is the source the
  job was planned on (its spec's description)."""
  key = repr(sorted(spec.options().items()))
  if key not in _SOURCE_CACHE:
    _SOURCE_CACHE[key] = sources.build(dataclasses.replace(spec, description=None))
  source = _SOURCE_CACHE[key]
  spec.check_description(source.describe())
  return source


def _finished_job_dir(jobs_dir: str, job: estimators.Job, other_id: str, why: str) -> str:
  """The folder of the job `other_id` of the same sweep, which must have finished."""
  other_dir = os.path.join(jobs_dir, other_id)
  if not os.path.exists(os.path.join(other_dir, RECORDS)):
    raise ValueError(f"{job.estimator}: job {other_id}, whose trained model this job {why}, "
                     f"has not finished (see its folder {other_dir}); finish its sweep first")
  return other_dir


def job_context(job: estimators.Job, jobs_dir: str, log: Callable[[str], None]
                ) -> estimators.JobContext:
  """The folders of `job` and of the jobs it is wired to, in the layout of `jobs_dir`.

  Raises:
    ValueError when a job whose model it evaluates or starts from has not finished.
  """
  context = estimators.JobContext(workdir=os.path.join(jobs_dir, job.job_id),
                                  log=lambda line: log(f"  [{job.job_id}] {line}"))
  if job.trained_by:
    context.trained_dir = _finished_job_dir(jobs_dir, job, job.trained_by, "evaluates")
  elif job.warm_from:
    context.warm_start_dir = _finished_job_dir(jobs_dir, job, job.warm_from, "starts from")
  return context


def run_job(job: estimators.Job, jobs_dir: str, log: Callable[[str], None] = print,
            after: Optional[JobOutcome] = None) -> JobOutcome:
  """Runs one job unless it already finished; never raises for a failing estimator.

  The job's source is rebuilt from its spec (once per process) and must match the
  description its id hashes. `after` is unused: the outcome of the job this one depends on,
  passed so that Dask runs the two in order.
  """
  del after
  started = time.time()
  job_dir = os.path.join(jobs_dir, job.job_id)
  records_path = os.path.join(job_dir, RECORDS)
  if os.path.exists(records_path):
    stale = stale_code(job.code)
    records = [dataclasses.replace(r, stale_code=stale) for r in curves.read_csv(records_path)]
    return JobOutcome(job, "stale" if stale else "cached", records, 0.0)
  if stale_code(job.code):
    return JobOutcome(job, "failed", [], 0.0, (
        f"the job is of code {job.code or 'unknown'}, this process runs "
        f"{code_identity.current()}: plan it again (a worker must run the planner's code)"))
  os.makedirs(job_dir, exist_ok=True)
  try:
    # The job id is a hash; this says what it stands for (flags such as --lb_tol included).
    curves.atomic_write_text(os.path.join(job_dir, JOB), json.dumps(
        job.to_json(), indent=2, sort_keys=True, default=str) + "\n")
    context = job_context(job, jobs_dir, log)
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    # Seeds initializers too, so a job gives the same rows in any process.
    tf.keras.utils.set_random_seed(job.seed)
    records = estimators.get(job.estimator)(_source_for(job.source), job, context)
    curves.write_csv(records_path, records)
    error_path = os.path.join(job_dir, ERROR)
    if os.path.exists(error_path):
      os.unlink(error_path)
    return JobOutcome(job, "done", records, time.time() - started)
  except Exception as e:  # pylint: disable=broad-except
    reason = f"{type(e).__name__}: {e}".splitlines()[0]
    curves.atomic_write_text(os.path.join(job_dir, ERROR), traceback.format_exc())
    return JobOutcome(job, "failed", [], time.time() - started, reason)


def stale_code(code: Optional[str]) -> str:
  """"" for the running code's `code`; else the code a job's rows are marked with."""
  return "" if code == code_identity.current() else (code or "unknown")


def made_by(jobs_dir: str, job_id: str) -> Optional[str]:
  """The code identity a job folder's job.json records (None: it records none, or is not
  readable)."""
  try:
    with open(os.path.join(jobs_dir, job_id, JOB)) as f:
      return json.load(f).get("code")
  except (OSError, ValueError):
    return None


def stale_code_of(jobs_dir: str, job_id: str) -> str:
  """`stale_code` of a job folder's rows. A folder without job.json holds rows no job
  computed (`rdbounds.add_points`): a user's measurements are of no code of ours, so they
  are never stale."""
  if not os.path.exists(os.path.join(jobs_dir, job_id, JOB)):
    return ""
  return stale_code(made_by(jobs_dir, job_id))


def merge(out_dir: str, job_ids: Sequence[str]) -> List[curves.Record]:
  """Concatenates finished jobs' record files (in the given order) into OUT/curves.csv; rows
  of jobs made by other code (kept: `with_stale_kept`) are marked (`Record.stale_code`).

  Returns:
    the merged records.
  """
  header = ",".join(curves.COLUMNS) + "\n"
  lines, records = [], []
  for job_id in job_ids:
    path = os.path.join(out_dir, "jobs", job_id, RECORDS)
    if os.path.exists(path):
      with open(path) as f:
        text = f.read()
      job_records = curves.records_from_csv_text(text, path)  # Validates the header too.
      stale = stale_code_of(os.path.join(out_dir, "jobs"), job_id)
      if stale:
        job_records = [dataclasses.replace(r, stale_code=stale) for r in job_records]
      records.extend(job_records)
      if stale or not text.startswith(header):
        # Marked, or written before the schema's last columns existed: in today's schema.
        text = curves.records_to_csv_text(job_records)
      lines.append(text[len(header):])
  curves.atomic_write_text(os.path.join(out_dir, "curves.csv"), header + "".join(lines))
  return records


def with_stale_kept(jobs: Sequence[estimators.Job], jobs_dir: str, keep: bool,
                    log: Callable[[str], None] = print) -> List[estimators.Job]:
  """`jobs`, with rows other code made kept in place of running them, when `keep` is asked.

  A job that has not finished in `jobs_dir` but whose same job made by other code has
  (`Job.same_but_code`; the latest if several) is, without `keep`, left to run (its rows are
  recomputed: one line says so); with `keep`, replaced by that finished job, whose rows the
  merge marks stale. A job wired to a kept one (`warm_from`, `trained_by`) is wired to it in
  turn, so that a kept chain stays whole. Order as `jobs`.
  """
  others = None
  kept: Dict[str, str] = {}  # planned id -> id of the finished job kept in its place
  result: Dict[str, estimators.Job] = {}
  for planned in in_dependency_order(jobs):
    job = dataclasses.replace(planned, warm_from=kept.get(planned.warm_from, planned.warm_from),
                              trained_by=kept.get(planned.trained_by, planned.trained_by))
    planned_id = planned.job_id
    result[planned_id] = job
    if os.path.exists(os.path.join(jobs_dir, job.job_id, RECORDS)):
      continue
    if others is None:
      others = _finished_by_other_code(jobs_dir)
    match = next((other for other in others if job.same_but_code(other)), None)
    if match is None:
      continue
    if keep:
      kept[planned_id] = match.job_id
      result[planned_id] = match
      log(f"[sweep] keeping {match.job_id}: made by code {match.code or 'unknown'}, not "
          f"{job.code} (keep_stale); its rows are marked stale")
    else:
      log(f"[sweep] {match.job_id} was made by code {match.code or 'unknown'}: its job runs "
          f"again as {job.job_id} (keep_stale keeps the old rows)")
  return [result[job.job_id] for job in jobs]


def _finished_by_other_code(jobs_dir: str) -> List[estimators.Job]:
  """The finished jobs in `jobs_dir` made by other code than this process runs, latest
  first (those whose job.json cannot be read as a job are left out)."""
  found = []
  for job_id in os.listdir(jobs_dir) if os.path.isdir(jobs_dir) else []:
    records = os.path.join(jobs_dir, job_id, RECORDS)
    if not os.path.exists(records) or not stale_code_of(jobs_dir, job_id):
      continue
    try:
      with open(os.path.join(jobs_dir, job_id, JOB)) as f:
        job = estimators.Job.from_json(json.load(f))
    except (OSError, ValueError, KeyError, TypeError):
      continue
    if job.job_id == job_id:
      found.append((os.path.getmtime(records), job))
  return [job for _, job in sorted(found, key=lambda pair: -pair[0])]


def in_dependency_order(jobs: Sequence[estimators.Job]) -> List[estimators.Job]:
  """`jobs` reordered so that each comes after the job it depends on (`Job.depends_on`),
  otherwise in the given order.

  Raises:
    ValueError when a job depends on one that is not in `jobs`.
  """
  by_id = {job.job_id: job for job in jobs}
  ordered, placed = [], set()

  def place(job):
    if job.job_id in placed:
      return
    if job.depends_on is not None:
      if job.depends_on not in by_id:
        raise ValueError(f"job {job.job_id} starts from job {job.depends_on}, which is not in "
                         f"the sweep")
      place(by_id[job.depends_on])
    placed.add(job.job_id)
    ordered.append(job)

  for job in jobs:
    place(job)
  return ordered


class _Progress:
  """Job start/finish lines with elapsed time and an ETA for the sweep.

  The ETA assumes the jobs left run one after another, each at the pace per training step of
  its estimator's finished jobs: a chain's warm-started jobs train a fraction of the steps of
  its first. Jobs of an estimator none of whose jobs has finished are counted, not timed.
  """

  def __init__(self, jobs: Sequence[estimators.Job], log: Callable[[str], None]):
    self.total, self.log = len(jobs), log
    self.pending = {job.job_id: job for job in jobs}
    self.started = time.time()
    self.finished = 0
    self.cost: Dict[str, Tuple[float, float]] = {}  # estimator -> (seconds, steps) that ran

  def start(self, job):
    self.log(f"[sweep] start  {job.job_id}")

  def finish(self, outcome: JobOutcome):
    job = outcome.job
    self.finished += 1
    self.pending.pop(job.job_id, None)
    if outcome.status == "done":
      seconds, steps = self.cost.get(job.estimator, (0.0, 0.0))
      self.cost[job.estimator] = (seconds + outcome.seconds, steps + _training_steps(job))
    elapsed = time.time() - self.started
    detail = f" ({outcome.error})" if outcome.error else ""
    self.log(f"[sweep] {outcome.status:6s} {job.job_id} in {outcome.seconds:.1f}s{detail}; "
             f"{self.finished}/{self.total} jobs, {elapsed:.0f}s elapsed{self._eta()}")

  def _eta(self) -> str:
    """", ETA 620s (sequential estimate; 5 lower_bound jobs not yet timed)", or ""."""
    seconds, timed, untimed = 0.0, 0, collections.Counter()
    for job in self.pending.values():
      if job.estimator in self.cost:
        ran_seconds, ran_steps = self.cost[job.estimator]
        seconds += ran_seconds * _training_steps(job) / ran_steps
        timed += 1
      else:
        untimed[job.estimator] += 1
    if not timed:
      return ""
    notes = "".join(f"; {n} {name} job{'s' * (n > 1)} not yet timed" for name, n in untimed.items())
    return f", ETA {seconds:.0f}s (sequential estimate{notes})"


def _training_steps(job: estimators.Job) -> float:
  """What a job's time scales with: its training steps where its config has them, else 1."""
  return float(getattr(job.config, "steps", 0) or 1)


def summary_table(outcomes: Sequence[JobOutcome]) -> str:
  """A plain-text table: one line per record (a job may give several), or per failed job."""
  # A line's bound is its interval's low end; its mean is an estimate, shown beside it.
  rows = [("estimator", "lambda", "seed", "status", "seconds", "D", "R (nats)",
           "intercept: 95% low end", "mean")]
  fmt = lambda v: "" if v is None else f"{v:.4g}"
  for outcome in outcomes:
    job = outcome.job
    for record in outcome.records or [None]:
      lmbda = job.lmbda if record is None or record.lmbda is None else record.lmbda
      rows.append((job.estimator, "" if lmbda is None else f"{lmbda:g}", str(job.seed),
                   outcome.status,
                   f"{outcome.seconds:.1f}", fmt(record and record.distortion),
                   fmt(record and record.rate_nats), fmt(record and record.intercept_bound),
                   fmt(record and record.intercept_nats)))
  widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
  return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows)


def _dask_client(executor: str):
  from dask import distributed  # pylint: disable=g-import-not-at-top
  # Dask's INFO lines (scheduler and worker life cycle) would drown the sweep's progress.
  logging.getLogger("distributed").setLevel(logging.WARNING)
  if executor.startswith("local:"):
    workers = int(executor.split(":", 1)[1])
    if workers < 1:
      raise ValueError(f"--dask=local:N needs N >= 1, got {workers}")
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    return distributed.Client(cluster), cluster
  if executor.startswith("tcp://"):
    return distributed.Client(executor), None
  raise ValueError(f"executor must be 'inprocess', 'local:N' or 'tcp://HOST:PORT', got {executor!r}")


def run_sweep(jobs: Sequence[estimators.Job], out_dir: str,
              executor: str = "inprocess", log: Callable[[str], None] = print,
              on_merge: Optional[Callable[[List[curves.Record]], None]] = None,
              merged: Optional[Sequence[str]] = None) -> List[JobOutcome]:
  """Runs all jobs, merging finished rows into OUT/curves.csv after each one.

  Args:
    jobs: the jobs to run (or find finished); each rebuilds its source from its spec (in
      each worker).
    out_dir: output directory.
    executor: "inprocess", "local:N" or "tcp://HOST:PORT".
    log: progress line sink.
    on_merge: called with the merged records after each merge (e.g. to redraw the plot).
    merged: ids of the jobs whose rows make up OUT/curves.csv, in CSV order (default: `jobs`);
      e.g. a run's jobs plus codec jobs added to it later.

  Returns:
    one `JobOutcome` per job, in job order.
  """
  jobs_dir = os.path.join(out_dir, "jobs")
  os.makedirs(jobs_dir, exist_ok=True)
  progress = _Progress(jobs, log)
  outcomes: Dict[str, JobOutcome] = {}
  # Whether OUT/curves.csv may lag the job files: true until a merge follows the last outcome.
  stale = True

  merged_ids = list(merged) if merged is not None else [job.job_id for job in jobs]

  def remerge():
    nonlocal stale
    records = merge(out_dir, merged_ids)
    if on_merge:
      on_merge(records)
    stale = False

  def finished(outcome):
    nonlocal stale
    progress.finish(outcome)
    outcomes[outcome.job.job_id] = outcome
    stale = True
    if outcome.status != "cached":
      remerge()

  if executor == "inprocess":
    for job in in_dependency_order(jobs):
      if not os.path.exists(os.path.join(jobs_dir, job.job_id, RECORDS)):
        progress.start(job)
      finished(run_job(job, jobs_dir, log))
  else:
    from dask import distributed  # pylint: disable=g-import-not-at-top
    client, cluster = _dask_client(executor)
    try:
      futures = {}
      for job in in_dependency_order(jobs):
        progress.start(job)
        futures[job.job_id] = client.submit(
            run_job, job, jobs_dir, after=futures.get(job.depends_on),
            pure=False, key=f"rdbounds-{job.job_id}-{time.time_ns()}")
      for future in distributed.as_completed(futures.values()):
        finished(future.result())
    finally:
      client.close()
      if cluster is not None:
        cluster.close()
  if stale:  # Only cached jobs since the last merge (or none ran at all).
    remerge()
  return [outcomes[job.job_id] for job in jobs]
