"""Photographs image by image: each held-out image's curves, BD-rates per image, their mean.

The pooled records of a photo run add all held-out images up (pixel-weighted); the jobs also
write each image's point (`held_out_points`). Per image, the upper bound's points across the
sweep (all achievable points, as pooled) form that image's UB curve, its lower convex
envelope in (D, bpp) with D = 10^(-PSNR / 10), and each codec's points at its settings form
the codec's curve. The BD-rate of a codec against the image's UB envelope is `report.bd_rate`
of the two (positive: the codec needs more rate than the bound at equal PSNR, i.e. the UB is
above the codec); n/a where the curves do not overlap in PSNR, never extrapolated.

Over the n images that have a value: the mean, and its standard error std / sqrt(n) (sample
std, ddof = 1), which says how much the mean would move with other photographs like these;
with a handful of images it is itself rough. The upper bound's points get the same per
lambda: each image's bpp and PSNR, and their means with standard errors over images.
"""

import dataclasses
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

from rdbounds import curves
from rdbounds import held_out_points
from rdbounds.codecs import report


@dataclasses.dataclass(frozen=True)
class OverImages:
  """A value per held-out image, and their mean with its standard error.

  Attributes:
    per_image: {file: value}; NaN where the image has none.
    mean: mean over the images with a value (NaN: none has one).
    se: standard error of the mean over those images (NaN below two).
    n: how many images have a value.
  """
  per_image: Dict[str, float]
  mean: float
  se: float
  n: int


def over_images(per_image: Dict[str, float]) -> OverImages:
  """Mean and standard error (std with ddof = 1, over sqrt(n)) of the values that are not NaN."""
  values = np.array([v for v in per_image.values() if not math.isnan(v)], np.float64)
  n = int(values.size)
  mean = float(values.mean()) if n else math.nan
  se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
  return OverImages(dict(per_image), mean, se, n)


def _files(points: Sequence[held_out_points.ImagePoint]) -> List[str]:
  """The images, in the order they first appear (the held-out files' order)."""
  return list(dict.fromkeys(p.file for p in points))


def _curve(points):
  """(D, R) of points: MSE per dimension from PSNR, and bpp."""
  return [10.0 ** (-p.psnr_db / 10.0) for p in points], [p.bpp for p in points]


def bd_rates(points: Sequence[held_out_points.ImagePoint]) -> Dict[str, OverImages]:
  """BD-rate (percent) of each codec against each image's UB envelope, and their mean.

  Args:
    points: a run's per-image points (`held_out_points.read_run`).

  Returns:
    {codec estimator: `OverImages` of its BD-rates; NaN for an image whose curves do not
    overlap in PSNR (or where either has fewer than two points)}.
  """
  files = _files(points)
  ub = {f: [p for p in points if p.file == f and p.estimator in curves.ACHIEVABLE]
        for f in files}
  out = {}
  for codec in sorted({p.estimator for p in points
                       if curves.is_operational(p.estimator)}):
    out[codec] = over_images({
        f: report.bd_rate(*_curve([p for p in points if p.file == f and p.estimator == codec]),
                          *_curve(ub[f]))
        for f in files})
  return out


@dataclasses.dataclass(frozen=True)
class UBPoint:
  """One upper-bound record (a lambda) image by image.

  Attributes:
    run_id, lmbda: the pooled record's.
    bpp, psnr_db: `OverImages` of the images' bits per pixel and PSNR.
  """
  run_id: str
  lmbda: Optional[float]
  bpp: OverImages
  psnr_db: OverImages


def ub_points(points: Sequence[held_out_points.ImagePoint]) -> List[UBPoint]:
  """The achievable (upper-bound) records' points per image, by increasing lambda."""
  files = _files(points)
  out = []
  for run_id in dict.fromkeys(p.run_id for p in points if p.estimator in curves.ACHIEVABLE):
    mine = {p.file: p for p in points if p.run_id == run_id}
    value = lambda name: {f: getattr(mine[f], name) if f in mine else math.nan for f in files}
    out.append(UBPoint(run_id, next(iter(mine.values())).lmbda, over_images(value("bpp")),
                       over_images(value("psnr_db"))))
  return sorted(out, key=lambda u: math.inf if u.lmbda is None else u.lmbda)


def _percent(value: float) -> str:
  return "n/a" if math.isnan(value) else f"{value:+.1f}%"


def _mean_percent(summary: OverImages) -> str:
  """"+12.3% ± 4.5% (n=6)": the mean, its SE and how many images have a value."""
  if not summary.n:
    return "n/a"
  se = f" ± {summary.se:.1f}%" if summary.n > 1 else ""
  return f"{summary.mean:+.1f}%{se} (n={summary.n})"


def _labels(columns: Sequence[UBPoint]) -> List[str]:
  """Each column's lambda; with the job's hash where two share a lambda (e.g. warm starts)."""
  lambdas = [c.lmbda for c in columns]
  return [f"λ={c.lmbda:g}" + (f" ({c.run_id.rsplit('-', 1)[-1]})"
                               if lambdas.count(c.lmbda) > 1 else "")
          for c in columns]


def markdown(records: Sequence[curves.Record],
             points: Sequence[held_out_points.ImagePoint]) -> str:
  """The per-image section of the report ("" without per-image points)."""
  if not points:
    return ""
  files = _files(points)
  lines = ["", f"## Per held-out image ({len(files)} images)", "",
           "BD-rate of each codec against each image's own UB envelope (the image's UB points "
           "across the lambdas; positive: the codec needs more rate than the bound at equal "
           "PSNR, the UB is above it), the mean over the images with its standard error "
           "(std / sqrt(n) over the n held-out images; with few images it is rough), and the "
           "pooled BD-rate of the pixel-weighted curves. n/a: the curves do not overlap in "
           "PSNR (no extrapolation).", ""]
  per_image, pooled = bd_rates(points), report.bd_rates(records)
  if per_image:
    lines.append("| codec | pooled | mean ± SE over images | " + " | ".join(files) + " |")
    lines.append("|---|---|---|" + "---|" * len(files))
    for codec, summary in per_image.items():
      lines.append(f"| {codec} | {_percent(pooled.get(codec, math.nan))} | "
                   f"{_mean_percent(summary)} | "
                   + " | ".join(_percent(summary.per_image[f]) for f in files) + " |")
  else:
    lines.append("No codec has per-image points in this run.")
  columns = ub_points(points)
  if columns:
    lines += ["", "Upper-bound points per image, bpp / PSNR dB at each lambda; the mean over "
              "images and its standard error:", ""]
    lines.append("| image | " + " | ".join(_labels(columns)) + " |")
    lines.append("|---|" + "---|" * len(columns))
    cell = lambda b, q: "n/a" if math.isnan(b) else f"{b:.3f} / {q:.2f}"
    for f in files:
      lines.append(f"| {f} | " + " | ".join(cell(c.bpp.per_image[f], c.psnr_db.per_image[f])
                                            for c in columns) + " |")
    lines.append("| mean | " + " | ".join(cell(c.bpp.mean, c.psnr_db.mean) for c in columns)
                 + " |")
    lines.append("| SE | " + " | ".join(cell(c.bpp.se, c.psnr_db.se) for c in columns) + " |")
  return "\n".join(lines) + "\n"
