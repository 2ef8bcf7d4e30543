"""One record type for every estimator, the CSV schema, and the envelopes of the sandwich.

Every estimator (analytic, Blahut-Arimoto, upper bound, lower bound, codecs) returns
`Record`s; a user's own codec's points become records too (`points:<codec>`). A record may
carry an achieved point `(distortion, rate_nats)` (upper bounds, codecs, references), a line
`R >= intercept_nats - lambda * D` (lower bounds, references), or both. Units: distortion is MSE per dimension; rates and intercepts are nats per sample; the
CSV also carries bits per sample, bits per pixel and PSNR for image sources.
"""

import csv
import dataclasses
import io
import math
from typing import Iterable, List, Optional, Sequence

import numpy as np

from rdbounds import files

# The CSV columns, in this order (docs/method.md, "Units and the CSV").
COLUMNS = (
    "source", "estimator", "lambda", "distortion", "distortion_se", "rate_nats",
    "rate_nats_se", "rate_bits", "bpp", "psnr_db", "intercept_nats", "intercept_ci_low",
    "intercept_ci_high", "ceiling_nats", "n_eval", "steps", "seconds", "seed", "run_id",
    "header_bits", "stale_code", "at_ceiling",
)
# Trailing columns a CSV may lack (files written before they existed, in this order); read
# as empty.
OPTIONAL_COLUMNS = ("header_bits", "stale_code", "at_ceiling")

ESTIMATORS = ("analytic", "blahut_arimoto", "high_rate", "upper_bound", "wgd", "lower_bound")
# Estimators whose points are achievable codes: upper bounds on R(D), and their lower convex
# envelope (time sharing) is one too.
ACHIEVABLE = ("upper_bound", "wgd")
CODEC_PREFIX = "codec:"
# A user's own codec, its operating points measured outside rdbounds (`rdbounds.add_points`).
POINTS_PREFIX = "points:"
LN2 = math.log(2.0)
# An LB intercept above this fraction of its ceiling ln k says more about k than about R(D):
# binaries warn and plots draw the line dashed.
SATURATION = 0.95
# An achievable point whose rate is above this fraction of its ceiling (wgd: ln p) is marked
# `at_ceiling`: its R + lambda D is mostly distortion that a larger model would buy down.
AT_CEILING = 0.9


def is_operational(name: str) -> bool:
  """Whether estimator `name` is a real codec's operating points: a built-in codec
  (`codec:<name>`) or a user's own (`points:<codec>`)."""
  return any(name.startswith(p) and len(name) > len(p) for p in (CODEC_PREFIX, POINTS_PREFIX))


def is_achievable(name: str) -> bool:
  """Whether estimator `name`'s points are achievable codes: the learned upper bounds
  (`ACHIEVABLE`) and every real codec (docs/method.md, "Why a codec's point is achievable")."""
  return name in ACHIEVABLE or is_operational(name)


def check_estimator_name(name: str) -> str:
  if name in ESTIMATORS or is_operational(name):
    return name
  raise ValueError(f"unknown estimator {name!r}; valid: {', '.join(ESTIMATORS)}, codec:<name>, "
                   f"points:<codec>")


@dataclasses.dataclass(frozen=True)
class Record:
  """One CSV row: what one estimator measured at one lambda and seed.

  Attributes:
    source: source name.
    estimator: one of `ESTIMATORS`, `codec:<name>` or `points:<codec>`.
    lmbda: the multiplier lambda (`lambda` in the CSV); None for codecs swept otherwise.
    distortion, distortion_se: achieved E[rho] (MSE per dim) and its standard error.
    rate_nats, rate_nats_se: achieved rate per sample in nats and its standard error.
    pixels_per_sample: H*W for image sources (gives bpp and PSNR), else None.
    intercept_nats, intercept_ci_low, intercept_ci_high: a line R >= intercept - lambda D
      with its 95% confidence interval.
    ceiling_nats: the most the estimator can report: ln k for lower bounds (no intercept
      from k samples exceeds it), max_j ln(1 / nu_j) for wgd points (no rate of p particles
      exceeds it; ln p for uniform weights).
    n_eval: number of samples (or draws) behind the estimate.
    steps: training steps (or iterations) that produced it.
    seconds: wall time of the job.
    seed, run_id: provenance.
    header_bits: codecs: bits per sample spent on their bitstreams' headers (already part of
      `rate_nats`), when the codec can tell; None for other estimators.
    stale_code: empty for a row made by the code of the run that merged it; for a row kept
      from a job made by other code (`keep_stale`), that code's identity
      (`code_identity`: "<version>+<source hash>", or "unknown" for jobs that did not
      record it).
    at_ceiling: True when the estimator marks its point as held down by its ceiling (wgd at
      its largest particle count with the rate still above the growth target); None or
      False: judged by the rate alone (`is_at_ceiling`).
  """
  source: str
  estimator: str
  lmbda: Optional[float] = None
  distortion: Optional[float] = None
  distortion_se: Optional[float] = None
  rate_nats: Optional[float] = None
  rate_nats_se: Optional[float] = None
  pixels_per_sample: Optional[int] = None
  intercept_nats: Optional[float] = None
  intercept_ci_low: Optional[float] = None
  intercept_ci_high: Optional[float] = None
  ceiling_nats: Optional[float] = None
  n_eval: Optional[int] = None
  steps: Optional[int] = None
  seconds: Optional[float] = None
  seed: Optional[int] = None
  run_id: str = ""
  header_bits: Optional[float] = None
  stale_code: str = ""
  at_ceiling: Optional[bool] = None

  def __post_init__(self):
    check_estimator_name(self.estimator)
    # One spelling per meaning, so a record read back from its CSV row equals it: the mark is
    # kept only where the rate alone would not say so.
    if self.at_ceiling is not None:
      keep = (bool(self.at_ceiling) and self._point_with_ceiling()
              and not _rate_at_ceiling(self))
      object.__setattr__(self, "at_ceiling", True if keep else None)

  @property
  def has_point(self) -> bool:
    return self.distortion is not None and self.rate_nats is not None

  @property
  def has_line(self) -> bool:
    return self.intercept_nats is not None and self.lmbda is not None

  @property
  def intercept_bound(self) -> Optional[float]:
    """The intercept a line may be quoted at as a bound, R(D) >= intercept_bound - lambda D:
    its 95% interval's low end (`intercept_nats` is the mean of the draws, an estimate of a
    quantity below F(lambda), not a bound); the intercept itself for rows without an
    interval. None for rows without a line."""
    if self.intercept_nats is None:
      return None
    return self.intercept_nats if self.intercept_ci_low is None else self.intercept_ci_low

  @property
  def saturated(self) -> bool:
    """A line's intercept within `1 - SATURATION` of its ceiling (limited by k rather than by
    R(D)), or, for a record without a line, a point at its ceiling (`is_at_ceiling`)."""
    if not self.has_line:
      return self.is_at_ceiling
    return self.ceiling_nats is not None and self.intercept_nats >= SATURATION * self.ceiling_nats

  @property
  def is_at_ceiling(self) -> bool:
    """A point with a ceiling whose rate is above `AT_CEILING` of it, or marked so by its
    estimator: its R + lambda D says more about the ceiling than about R(D)."""
    return self._point_with_ceiling() and (bool(self.at_ceiling) or _rate_at_ceiling(self))

  def _point_with_ceiling(self) -> bool:
    return self.has_point and self.ceiling_nats is not None

  @property
  def rate_bits(self) -> Optional[float]:
    return None if self.rate_nats is None else self.rate_nats / LN2

  @property
  def bpp(self) -> Optional[float]:
    if self.rate_nats is None or not self.pixels_per_sample:
      return None
    return self.rate_bits / self.pixels_per_sample

  @property
  def psnr_db(self) -> Optional[float]:
    """PSNR for images in [0, 1]: -10 log10(MSE)."""
    if self.distortion is None or not self.pixels_per_sample or self.distortion <= 0:
      return None
    return -10.0 * math.log10(self.distortion)

  def row(self) -> dict:
    """The CSV row as a dict of strings, keyed by `COLUMNS`."""
    values = {
        "source": self.source, "estimator": self.estimator, "lambda": self.lmbda,
        "distortion": self.distortion, "distortion_se": self.distortion_se,
        "rate_nats": self.rate_nats, "rate_nats_se": self.rate_nats_se,
        "rate_bits": self.rate_bits, "bpp": self.bpp, "psnr_db": self.psnr_db,
        "intercept_nats": self.intercept_nats, "intercept_ci_low": self.intercept_ci_low,
        "intercept_ci_high": self.intercept_ci_high, "ceiling_nats": self.ceiling_nats,
        "n_eval": self.n_eval, "steps": self.steps, "seconds": self.seconds,
        "seed": self.seed, "run_id": self.run_id, "header_bits": self.header_bits,
        "stale_code": self.stale_code,
        # 1 or 0 for points with a ceiling (the rule of `is_at_ceiling`), empty otherwise.
        "at_ceiling": int(self.is_at_ceiling) if self._point_with_ceiling() else None,
    }
    return {key: _format(values[key]) for key in COLUMNS}

  @classmethod
  def from_row(cls, row: dict) -> "Record":
    missing = [c for c in COLUMNS if c not in row and c not in OPTIONAL_COLUMNS]
    if missing:
      raise ValueError(f"CSV row lacks columns {missing}")
    number = lambda key: None if row.get(key) in ("", None) else float(row[key])
    integer = lambda key: None if row[key] in ("", None) else int(float(row[key]))
    pixels = None
    if row["bpp"] not in ("", None) and row["rate_bits"] not in ("", None) and float(row["bpp"]) > 0:
      pixels = int(round(float(row["rate_bits"]) / float(row["bpp"])))
    return cls(
        source=row["source"], estimator=row["estimator"], lmbda=number("lambda"),
        distortion=number("distortion"), distortion_se=number("distortion_se"),
        rate_nats=number("rate_nats"), rate_nats_se=number("rate_nats_se"),
        pixels_per_sample=pixels, intercept_nats=number("intercept_nats"),
        intercept_ci_low=number("intercept_ci_low"),
        intercept_ci_high=number("intercept_ci_high"), ceiling_nats=number("ceiling_nats"),
        n_eval=integer("n_eval"), steps=integer("steps"), seconds=number("seconds"),
        seed=integer("seed"), run_id=row["run_id"] or "", header_bits=number("header_bits"),
        stale_code=row.get("stale_code") or "",
        at_ceiling=None if row.get("at_ceiling") in ("", None) else row["at_ceiling"] == "1")


def _rate_at_ceiling(record: Record) -> bool:
  return (record.has_point and record.ceiling_nats is not None
          and record.rate_nats >= AT_CEILING * record.ceiling_nats)


def _format(value) -> str:
  if value is None:
    return ""
  if isinstance(value, float):
    # repr round-trips float64 exactly, so reading back gives the same record.
    return repr(value)
  return str(value)


def records_to_csv_text(records: Iterable[Record]) -> str:
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
  writer.writeheader()
  for record in records:
    writer.writerow(record.row())
  return buffer.getvalue()


def atomic_write_text(path: str, text: str) -> None:
  """Writes `text` to `path` atomically, with the usual permissions (`files.write_text`)."""
  files.write_text(path, text)


def write_csv(path: str, records: Iterable[Record]) -> None:
  """Writes records to `path` atomically, columns in `COLUMNS` order."""
  atomic_write_text(path, records_to_csv_text(records))


def read_csv(path: str) -> List[Record]:
  with open(path, newline="") as f:
    return records_from_csv_text(f.read(), path)


# The schema, and the schemas of earlier files (without some of the optional trailing columns).
_READABLE_HEADERS = tuple(COLUMNS[:len(COLUMNS) - i] for i in range(len(OPTIONAL_COLUMNS) + 1))


def records_from_csv_text(text: str, name: str = "CSV") -> List[Record]:
  """Parses CSV text in the schema; `name` labels errors."""
  reader = csv.DictReader(io.StringIO(text, newline=""))
  if reader.fieldnames is None or tuple(reader.fieldnames) not in _READABLE_HEADERS:
    raise ValueError(f"{name}: not an rdbounds CSV (columns differ from the schema)")
  return [Record.from_row(row) for row in reader]


# ---------------------------------------------------------------------------------------
# Envelopes


def lower_convex_envelope(distortion: Sequence[float], rate: Sequence[float]):
  """The lower convex envelope of achievable (D, R) points (time sharing).

  Time sharing between two codes achieves every point on the segment joining them, so the
  lower convex hull of upper-bound points is itself an upper bound on R(D). Points with a
  larger D and no smaller R than another point are dominated and dropped.

  Returns:
    `(D, R)` arrays of the envelope's vertices, sorted by increasing D (decreasing R).
  """
  points = sorted(zip(map(float, distortion), map(float, rate)))
  hull = []
  for d, r in points:
    if hull and r >= hull[-1][1]:
      continue  # dominated: more distortion for no less rate.
    # Pop the last vertex while it lies on or above the chord from its predecessor to here.
    while len(hull) >= 2:
      (d1, r1), (d2, r2) = hull[-2], hull[-1]
      if (r2 - r1) * (d - d1) >= (r - r1) * (d2 - d1):
        hull.pop()
      else:
        break
    hull.append((d, r))
  if not hull:
    return np.zeros(0), np.zeros(0)
  d, r = np.array(hull).T
  return d, r


def upper_envelope_of_lines(intercepts: Sequence[float], lambdas: Sequence[float], distortion_grid):
  """max_i (intercept_i - lambda_i D) over lines, and 0 (no rate is negative), on a D grid.

  Returns:
    `[len(grid)]` array: the lower bound on R(D) implied by all lines together.
  """
  grid = np.asarray(distortion_grid, np.float64)
  intercepts = np.asarray(intercepts, np.float64)
  lambdas = np.asarray(lambdas, np.float64)
  if intercepts.size == 0:
    return np.zeros_like(grid)
  lines = intercepts[:, None] - lambdas[:, None] * grid[None, :]
  return np.maximum(lines.max(axis=0), 0.0)


def interpolate_envelope(env_distortion, env_rate, distortion_grid):
  """Evaluates a piecewise-linear envelope on a grid; NaN outside its D range."""
  grid = np.asarray(distortion_grid, np.float64)
  if len(env_distortion) == 0:
    return np.full_like(grid, np.nan)
  return np.interp(grid, env_distortion, env_rate, left=np.nan, right=np.nan)
