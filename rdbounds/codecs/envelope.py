"""The achievable envelope: the best trade-off that any achievable point of a run reaches.

Every point of the learned upper bound (`upper_bound`, `wgd`) and of every real codec (the
built-in `codec:<name>` and a user's `points:<codec>`) is achievable: some code reaches
that distortion at that rate (docs/method.md, "Why a codec's point is achievable"). Time
sharing between two codes reaches every point between them, so the lower convex envelope of
all these points, in (D, R), is achievable too: it is an upper bound on R(D) at least as
tight as the learned upper bound's own envelope. This module finds it, says which estimator
supplies each vertex and each stretch between vertices, and how much rate it saves over
the learned upper bound alone (BD-rate of the envelope against the UB envelope, as
`report.bd_rate` computes it; the report's BD-rate tables keep the UB envelope as anchor).
"""

import dataclasses
import math
from typing import List, Sequence

from rdbounds import curves
from rdbounds.codecs import report


def vertices(records: Sequence[curves.Record]) -> List[curves.Record]:
  """The records at the vertices of the achievable envelope, by increasing rate.

  Where two records share a vertex's point exactly, the first in `records` supplies it.
  """
  points = [r for r in records if curves.is_achievable(r.estimator) and r.has_point]
  env_d, env_r = curves.lower_convex_envelope([r.distortion for r in points],
                                              [r.rate_nats for r in points])
  by_point = {}
  for record in points:
    by_point.setdefault((float(record.distortion), float(record.rate_nats)), record)
  return sorted((by_point[(d, r)] for d, r in zip(env_d, env_r)), key=lambda r: r.rate_nats)


@dataclasses.dataclass(frozen=True)
class Stretch:
  """A range of rates over which the envelope comes from one estimator, or from time sharing
  between the estimators of two neighbouring vertices.

  Attributes:
    suppliers: one estimator, or two (time sharing between their vertices).
    low, high: the range's rates (nats per sample); equal for a single vertex.
    vertices: the vertices in it (none for a time-sharing stretch).
  """
  suppliers: tuple
  low: float
  high: float
  vertices: tuple


def stretches(corners: Sequence[curves.Record]) -> List[Stretch]:
  """Who supplies the envelope from its lowest rate to its highest (`vertices` in order)."""
  out = []
  for record in corners:
    last = out[-1] if out else None
    if last is not None and last.suppliers == (record.estimator,):
      out[-1] = dataclasses.replace(last, high=record.rate_nats,
                                    vertices=last.vertices + (record,))
      continue
    if last is not None:
      out.append(Stretch((last.suppliers[0], record.estimator), last.high, record.rate_nats, ()))
    out.append(Stretch((record.estimator,), record.rate_nats, record.rate_nats, (record,)))
  return out


def gain_over_upper_bound(records: Sequence[curves.Record]) -> float:
  """BD-rate (percent) of the achievable envelope against the learned UB envelope: negative
  where codecs' points lower the achievable rate; NaN without overlap or without both."""
  corners = vertices(records)
  ub = [r for r in records if r.estimator in curves.ACHIEVABLE and r.has_point]
  return report.bd_rate([r.distortion for r in corners], [r.rate_nats for r in corners],
                        [r.distortion for r in ub], [r.rate_nats for r in ub])


def label(record: curves.Record) -> str:
  """The operating point: lambda for the learned bounds, the setting for codecs."""
  if record.estimator in curves.ACHIEVABLE and record.lmbda is not None:
    return f"lambda={record.lmbda:g}"
  return report.setting_of(record)


def markdown(records: Sequence[curves.Record]) -> str:
  """The report's section on the achievable envelope ("" without achievable points)."""
  records = list(records)
  corners = vertices(records)
  if not corners:
    return ""
  image = bool(corners[0].pixels_per_sample)
  rate = (lambda r: f"{r / math.log(2) / corners[0].pixels_per_sample:.3g} bpp") if image else (
      lambda r: f"{r:.4g} nats")
  lines = ["", "## The achievable envelope", "",
           "Every point of the learned upper bound and of every codec (built-in or your own "
           "`points:`) is achievable: a code reaches that distortion at that rate, so R(D) "
           "lies below it (docs/method.md). Time sharing reaches every point between two "
           "codes, so the lower convex envelope of all of them is an upper bound on R(D) "
           "too, the tightest this run shows. From the lowest rate up, it comes from:", ""]
  for stretch in stretches(corners):
    span = (rate(stretch.low) if stretch.low == stretch.high
            else f"{rate(stretch.low)} to {rate(stretch.high)}")
    if len(stretch.suppliers) == 2:
      lines.append(f"* {span}: time sharing between {stretch.suppliers[0]} and "
                   f"{stretch.suppliers[1]}")
    else:
      points = ", ".join(label(r) for r in stretch.vertices)
      lines.append(f"* {span}: {stretch.suppliers[0]} ({points})")
  gain = gain_over_upper_bound(records)
  if not math.isnan(gain):
    lines += ["", f"BD-rate of this envelope against the learned upper bound's alone: "
              f"{gain:+.1f}% (negative: the codecs' points lower the achievable rate where "
              f"they supply it). The BD-rate tables keep the learned bound alone as anchor."]
  if image:
    lines += ["", "| vertex | estimator | setting | bpp | PSNR dB |", "|---|---|---|---|---|"]
    lines += [f"| {i} | {r.estimator} | {label(r)} | {r.bpp:.4g} | {r.psnr_db:.4g} |"
              for i, r in enumerate(corners, 1)]
  else:
    lines += ["", "| vertex | estimator | setting | D | R nats |", "|---|---|---|---|---|"]
    lines += [f"| {i} | {r.estimator} | {label(r)} | {r.distortion:.4g} | {r.rate_nats:.4g} |"
              for i, r in enumerate(corners, 1)]
  return "\n".join(lines) + "\n"
