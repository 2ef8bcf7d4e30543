"""Running a run's jobs: the sweep, the plot redrawn after each merge, what to tell the user."""

import os
from typing import Callable, Optional, Sequence

from rdbounds import curves
from rdbounds import estimators
from rdbounds.api import result as result_lib


def run(source, jobs: Sequence[estimators.Job], out: str,
        merged: Sequence[str], dask: Optional[str] = None, units: str = "nats",
        draw: bool = True, log: Callable[[str], None] = print) -> result_lib.Result:
  """Runs (or finds finished) `jobs` in the run folder `out` and returns its merged rows.

  Args:
    source: the `Source` the jobs run on (for the plot and the result).
    jobs: the jobs to run (each rebuilds its source from its spec, in a worker too).
    out: the run folder: OUT/jobs/, OUT/curves.csv (and OUT/curves.png when `draw`).
    merged: ids of the jobs whose rows make up OUT/curves.csv, in order.
    dask: None (this process), "local:N" or "tcp://HOST:PORT".
    units: rate units of the plot for vector sources.
    draw: redraw OUT/curves.png after each merge.
    log: receives progress lines, the summary table and warnings.
  """
  from rdbounds import plots, sweep  # pylint: disable=g-import-not-at-top
  png = os.path.join(out, "curves.png")
  draw_png = lambda records: plots.plot_curves(records, png, source=source, units=units)
  outcomes = sweep.run_sweep(jobs, out, executor=dask or "inprocess", log=log,
                             on_merge=draw_png if draw else None, merged=merged)
  log(sweep.summary_table(outcomes))
  for outcome in outcomes:
    for record in outcome.records:
      warning = saturation_warning(record)
      if warning:
        log(warning)
  failed = [f"{o.job.job_id}: {o.error}" for o in outcomes if o.status == "failed"]
  if failed:
    log(f"{len(failed)} of {len(outcomes)} jobs failed; see "
        f"{os.path.join(out, 'jobs', '<job>', 'error.txt')}")
  records = result_lib.Records(curves.read_csv(os.path.join(out, "curves.csv")))
  return result_lib.Result(records, source, out, failed, units=units)


def saturation_warning(record: curves.Record) -> Optional[str]:
  """A line when a record says more about its estimator's ceiling than about R(D)."""
  if record.estimator == "lower_bound" and record.saturated:
    return (f"warning: lower bound at lambda={record.lmbda:g} is within "
            f"{1 - curves.SATURATION:.0%} of its ceiling ln k = {record.ceiling_nats:.3g} "
            f"nats; increase k for a meaningful bound")
  if not record.is_at_ceiling:
    return None
  remedy = _CEILING_REMEDY.get(record.estimator, "a larger model would lower it")
  return (f"warning: {record.estimator} rate at lambda={record.lmbda:g} "
          f"({record.rate_nats:.3g} nats) is at its ceiling {record.ceiling_nats:.3g} nats "
          f"(above {curves.AT_CEILING:.0%} of it, or marked so); {remedy}")


# What lifts each estimator's rate ceiling.
_CEILING_REMEDY = {
    "wgd": "use more particles (--wgd_particles, --wgd_max_particles)",
    "blahut_arimoto": "its ceiling is the histogram's entropy: use more bins (--ba_bins)",
}
