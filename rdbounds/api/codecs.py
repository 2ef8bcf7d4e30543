"""`rdbounds.add_codecs`: real codecs added to a finished run, and how far they are from it."""

import os
from typing import Callable, Optional, Sequence

from rdbounds import curves
from rdbounds import estimators
from rdbounds import held_out_points
from rdbounds.api import execute
from rdbounds.api import folder
from rdbounds.api import plan
from rdbounds.api import result as result_lib
from rdbounds.codecs import config as codec_config


def codec_names() -> list:
  """Names of the registered codecs, without their `codec:` prefix."""
  return [e.name[len(curves.CODEC_PREFIX):] for e in estimators.all_estimators()
          if e.name.startswith(curves.CODEC_PREFIX)]


def add_codecs(run: str, codecs: Optional[Sequence[str]] = None, preset: Optional[str] = None,
               lambdas: Optional[Sequence[float]] = None, dask: Optional[str] = None,
               log: Callable[[str], None] = print) -> result_lib.Result:
  """Runs codecs on a finished run's source and measures them against its bounds.

  Codecs are estimators (`codec:<name>`): their jobs (learned codecs: one per lambda) run like
  any job, resumable and keyed by their config, and are recorded in RUN/config.json so that
  running `sandwich` on the folder again keeps their rows. RUN/curves.csv is merged again,
  RUN/curves.png redrawn, and RUN/report.md written: each codec point's distance to the
  upper- and lower-bound envelopes (nats at equal D for vectors, dB of PSNR at equal bits per
  pixel for images; the lower bound's lines at their 95% low ends) and each codec's BD-rate
  against the upper-bound envelope; for photo folders also per held-out image, with the mean
  over images and its standard error (`rdbounds.codecs.per_image`); and the rows kept from
  other code (`stale_markdown`).

  Args:
    run: a finished `sandwich` output folder.
    codecs: names from `codec_names()` ("jpeg", "scalar", ...); None: all that apply.
    preset: codec presets; None: the run's.
    lambdas: multipliers of learned codecs (nats per unit of MSE per dimension); None: the
      run's.
    dask: None (this process), "local:N" or "tcp://HOST:PORT".
    log: receives progress lines.

  Returns:
    a `Result` with all of the run's rows and `report`, RUN/report.md's Markdown text.

  Raises:
    ValueError: one line: not a run folder, an unknown codec or one that does not apply.
  """
  config = folder.load(run)
  preset = plan.check_preset(preset or config.get("preset") or "default")
  lambda_values = plan.lambdas(lambdas) if lambdas else config.get("lambdas") or []
  unknown = [n for n in codecs or [] if n not in codec_names()]
  if unknown:
    raise ValueError(f"unknown codec(s) {', '.join(unknown)}; valid: {', '.join(codec_names())}")

  source = plan.source(config["source_options"])
  chosen = _applicable(codecs, source, log)
  seed = folder.seed(config)
  jobs = [job for e in chosen
          for job in e.plan_jobs(lambda_values, seed, e.preset_for(preset, source),
                                 source.spec)]
  if any(job.lmbda is not None for job in jobs) and not lambda_values:
    raise ValueError("learned codecs need lambdas (the run has none; pass lambdas)")
  log(f"{source.name}: codecs {', '.join(e.name for e in chosen)} ({preset} preset) -> {run}")

  # These codecs' earlier jobs (another preset or lambdas) leave the run; others stay.
  names = {e.name for e in chosen}
  kept = [i for i in config["added_jobs"]
          if not any(i.startswith(n.replace(":", "_") + "-") for n in names)]
  config["added_jobs"] = kept + [job.job_id for job in jobs]
  folder.save(run, config)
  result = execute.run(source, jobs, run, folder.merged_ids(config),
                       dask=dask, units=folder.units(config), log=log)
  result.report = write_report(run, result.records, source)
  return result


def write_report(run: str, records, source) -> str:
  """Writes RUN/report.md from the run's rows and returns its text: each codec point against
  the bounds and the BD-rates (`report`), the achievable envelope (`envelope`), and on
  photographs each held-out image (`per_image`)."""
  from rdbounds.codecs import envelope, per_image, report  # pylint: disable=g-import-not-at-top
  text = (report.markdown(records, source) + envelope.markdown(records)
          + per_image.markdown(records, held_out_points.read_run(run))
          + stale_markdown(records))
  curves.atomic_write_text(os.path.join(run, "report.md"), text)
  return text


def stale_markdown(records) -> str:
  """A report.md section naming the rows kept from other code (`Record.stale_code`), or ""."""
  stale = [r for r in records if r.stale_code]
  if not stale:
    return ""
  lines = ["", "## Rows made by other code", "",
           f"{len(stale)} row(s) were kept from jobs made by other code than this run's "
           f"(keep_stale): they may differ from what this code computes.", "",
           "| estimator | lambda | job | made by |", "|---|---|---|---|"]
  lines += [f"| {r.estimator} | {'' if r.lmbda is None else f'{r.lmbda:g}'} | {r.run_id} | "
            f"{r.stale_code} |" for r in stale]
  return "\n".join(lines) + "\n"


def _applicable(names: Optional[Sequence[str]], source, log: Callable[[str], None]) -> list:
  """The codecs `names` (all that apply to `source` if None, with a note for each left out
  for want of its package). Raises ValueError if one of the named ones does not apply."""
  if names:
    chosen = [estimators.get(curves.CODEC_PREFIX + n) for n in names]
    reasons = [e.not_applicable(source) for e in chosen]
    if any(reasons):
      raise ValueError("; ".join(r for r in reasons if r))
    return chosen
  every = [estimators.get(curves.CODEC_PREFIX + n) for n in codec_names()]
  reasons = {e.name: e.not_applicable(source) for e in every}
  for kind in codec_config.PLUGIN_KINDS:
    reason = reasons[curves.CODEC_PREFIX + kind]
    if reason and reason == codec_config.plugin_missing(kind):
      log(f"skipping {reason}")
  return [e for e in every if reasons[e.name] is None]
