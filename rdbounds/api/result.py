"""What the entry points return: a run's rows (the CSV's), and ways to save and draw them."""

import dataclasses
import os
from typing import Callable, List, Optional, Sequence

from rdbounds import curves
from rdbounds import sources
from rdbounds.api import folder


class Records(list):
  """A list of `curves.Record`, the rows of the run's CSV in its order, that prints as a table.

  Units: distortion D is MSE per dimension, rates R and intercepts are nats per sample. An
  achievable point (upper bounds, codecs) has D and R; a lower bound's line
  R >= intercept - lambda D has an intercept and its 95% interval, whose low end is the bound.
  """

  def __repr__(self) -> str:
    return table(self)

  __str__ = __repr__


def table(records: Sequence[curves.Record]) -> str:
  """One line per record: estimator, lambda, D, R, the line's bound (its intercept's 95% low
  end) with the mean (an estimate) and the high end beside it (empty cells where a record has
  no point or no line); bits per pixel and PSNR for images."""
  image = any(r.pixels_per_sample for r in records)
  header = ["estimator", "lambda", "D", "R (nats)", "intercept: 95% low end", "mean",
            "high end"]
  header += ["bpp", "PSNR (dB)"] if image else []
  fmt = lambda value: "" if value is None else f"{value:.4g}"
  rows = [header]
  for r in records:
    row = [r.estimator, fmt(r.lmbda), fmt(r.distortion), fmt(r.rate_nats),
           fmt(r.intercept_bound), fmt(r.intercept_nats), fmt(r.intercept_ci_high)]
    rows.append(row + ([fmt(r.bpp), fmt(r.psnr_db)] if image else []))
  widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
  return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


@dataclasses.dataclass
class Result:
  """The rows of a run and what they were measured on.

  Attributes:
    records: the run's rows (`Records`), exactly those of OUT/curves.csv when there is one.
    source: the `Source` they were measured on (draws a closed-form R(D) in `plot`), or None.
    out: the run folder, or None (a run without `out` kept none).
    failed: one line per job that failed ("job id: error"); their rows are missing.
    report: `add_codecs`: the codecs' distances to the bounds (Markdown), else None.
    units: rate units of `plot` for vector sources, "nats" or "bits".
  """
  records: Records
  source: object = None
  out: Optional[str] = None
  failed: List[str] = dataclasses.field(default_factory=list)
  report: Optional[str] = None
  units: str = "nats"

  def to_csv(self, path: str) -> None:
    """Writes the rows to `path` atomically, in the schema of OUT/curves.csv."""
    curves.write_csv(path, self.records)

  def plot(self, path: str, units: Optional[str] = None) -> None:
    """Draws the sandwich into a PNG at `path` (rate in `units`, default the run's)."""
    from rdbounds import plots  # pylint: disable=g-import-not-at-top
    plots.plot_curves(self.records, path, source=self.source, units=units or self.units)

  def __repr__(self) -> str:
    where = f"out={self.out!r}" if self.out else "no folder"
    failed = f", {len(self.failed)} failed jobs" if self.failed else ""
    return f"Result({len(self.records)} records, {where}{failed})\n{table(self.records)}"


def load(path: str, log: Callable[[str], None] = print) -> Result:
  """The rows of a run folder (or of a CSV), with the source rebuilt from the config.json
  beside them when there is one (so that `plot` draws a closed-form R(D)).

  Raises:
    ValueError: no such CSV, or a CSV not in the schema.
  """
  csv_path = os.path.join(path, "curves.csv") if os.path.isdir(path) else path
  if not os.path.isfile(csv_path):
    raise ValueError(f"{csv_path}: no such file")
  records = Records(curves.read_csv(csv_path))
  run_dir = os.path.dirname(os.path.abspath(csv_path))
  source, units = None, "nats"
  if os.path.exists(os.path.join(run_dir, folder.CONFIG)):
    try:
      config = folder.load(run_dir)
      units = folder.units(config)
      source = sources.build(sources.SourceSpec.from_options(**config["source_options"]))
    except (ValueError, KeyError, OSError) as e:
      log(f"note: without the source of {run_dir}/{folder.CONFIG} ({str(e).splitlines()[0]})")
  return Result(records, source, run_dir if os.path.isdir(path) else None, units=units)
