"""How far each codec is from the sandwich: distances to the UB and LB envelopes, and BD-rate.

Vector sources compare at equal distortion D, in nats:

    to_ub = R_codec - UB(D)     UB = lower convex envelope of achievable points (upper_bound
                                and wgd; time sharing);
    to_lb = R_codec - LB(D)     LB(D) = max(0, max_i (a_i - lambda_i D)) over lower-bound lines,
                                a_i their intercepts' 95% low ends (the bound, not the mean).

`to_lb` is how much rate the codec could save at most; it must be >= 0 up to sampling error.
`to_ub` may be negative: a codec can beat a loosely trained upper bound.

Beyond the envelope's range the report still says something true, because R(D) only falls as
D grows: a point achievable at (D_0, R_0) is achievable at any larger D or higher R. So at a
distortion above the envelope's largest D the envelope's rate there bounds UB(D) from above,
and at a rate above its highest rate its PSNR there bounds PSNR_UB(R) from below; `to_ub` is
then a lower bound on the distance, printed as ">= x".

Image sources compare at equal rate (bpp), in dB of PSNR = -10 log10(D):

    to_ub_db = PSNR_UB(R) - PSNR_codec     PSNR_UB(R): the UB envelope's D at rate R;
    to_lb_db = PSNR_LB(R) - PSNR_codec     D_LB(R) = max_i (a_i - R) / lambda_i, the smallest
                                            distortion the LB lines allow at rate R.

BD-rate (Bjøntegaard) of a codec against an anchor: the mean of ln R_codec - ln R_anchor
over the quality range both cover, quality being PSNR = -10 log10(D) (for vectors too),
reported as exp(mean) - 1 in percent (positive: the codec needs more rate). Both curves are
interpolated piecewise linearly in (quality, ln R), a variant of the classical cubic fit that
needs only two points per curve. Anchors: the UB envelope, and JPEG (`codec:jpeg`) when the
run has it, the usual reference of image coding.

Image tables also give the share of each point's rate spent on bitstream headers, where the
codec reports it (`Record.header_bits`).
"""

import dataclasses
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

from rdbounds import curves


@dataclasses.dataclass(frozen=True)
class Comparison:
  """One codec point against the sandwich.

  Attributes:
    record: the codec's record.
    to_ub, to_lb: distances (nats at equal D for vectors, dB at equal bpp for images); NaN
      where the envelope does not cover the point or is missing.
    to_reference: like `to_lb`, against the analytic R(D) (or Blahut-Arimoto lines) if any.
    to_ub_at_least: `to_ub` comes from the envelope's monotone extension (module docstring):
      the true distance is at least `to_ub`.
  """
  record: curves.Record
  to_ub: float
  to_lb: float
  to_reference: float
  to_ub_at_least: bool = False


def _psnr(distortion):
  distortion = np.asarray(distortion, np.float64)
  with np.errstate(divide="ignore"):
    return -10.0 * np.log10(distortion)


def _lines(records, estimator, bound=False):
  """(intercepts, lambdas) of `estimator`'s lines: with `bound`, their 95% low ends."""
  lines = [(r.intercept_bound if bound else r.intercept_nats, r.lmbda) for r in records
           if r.estimator == estimator and r.has_line]
  return np.array([l[0] for l in lines]), np.array([l[1] for l in lines])


def _lines_at_distortion(intercepts, lambdas, distortion):
  if intercepts.size == 0:
    return math.nan
  return float(curves.upper_envelope_of_lines(intercepts, lambdas, [distortion])[0])


def _min_distortion_of_lines(intercepts, lambdas, rate):
  """Smallest D with max_i (a_i - lambda_i D) <= R: the LB's distortion floor at rate R."""
  if intercepts.size == 0:
    return math.nan
  return max(0.0, float(np.max((intercepts - rate) / lambdas)))


def _ub_distortion_at_rate(env_d, env_r, rate):
  """(D, extended): D of the UB envelope (linear between vertices) at rate R; above its
  highest rate, the D of that vertex, an upper bound on the envelope's D (extended=True)."""
  if len(env_d) == 0:
    return math.nan, False
  order = np.argsort(env_r)
  r, d = env_r[order], env_d[order]
  if rate > r[-1]:
    return float(d[-1]), True
  if rate < r[0]:
    return math.nan, False
  return float(np.interp(rate, r, d)), False


def _ub_rate_at_distortion(env_d, env_r, distortion):
  """(R, extended): the UB envelope's rate at D; beyond its largest D, the rate of that
  vertex, an upper bound on the envelope's rate (extended=True)."""
  if len(env_d) and distortion > np.max(env_d):
    return float(env_r[np.argmax(env_d)]), True
  return float(curves.interpolate_envelope(env_d, env_r, [distortion])[0]), False


def compare(records: Sequence[curves.Record], source=None) -> List[Comparison]:
  """Distances of every codec point in `records` to the sandwich drawn from the same records.

  Args:
    records: all records of a run (upper_bound, wgd, lower_bound, references, codec:* rows).
    source: optional `Source`; its `analytic` R(D) is the reference when known.
  """
  records = list(records)
  ub = [r for r in records if r.estimator in curves.ACHIEVABLE and r.has_point]
  env_d, env_r = curves.lower_convex_envelope([r.distortion for r in ub], [r.rate_nats for r in ub])
  lb_a, lb_l = _lines(records, "lower_bound", bound=True)
  analytic = getattr(source, "analytic", None) if source is not None else None
  # Without a closed form, Blahut-Arimoto's lines (when the run has them) are the reference.
  ref_a, ref_l = _lines(records, "blahut_arimoto")
  out = []
  for record in records:
    if not (curves.is_operational(record.estimator) and record.has_point):
      continue
    d, r = record.distortion, record.rate_nats
    if record.pixels_per_sample:
      psnr = float(_psnr(d))
      ub_d, extended = _ub_distortion_at_rate(env_d, env_r, r)
      to_ub = float(_psnr(ub_d)) - psnr if not math.isnan(ub_d) else math.nan
      lb_d = _min_distortion_of_lines(lb_a, lb_l, r)
      to_lb = float(_psnr(lb_d)) - psnr if not math.isnan(lb_d) else math.nan
      if analytic is not None:
        to_ref = math.nan  # No image source has a closed form.
      else:
        ref_d = _min_distortion_of_lines(ref_a, ref_l, r)
        to_ref = float(_psnr(ref_d)) - psnr if not math.isnan(ref_d) else math.nan
    else:
      ub_r, extended = _ub_rate_at_distortion(env_d, env_r, d)
      to_ub = r - ub_r
      to_lb = r - _lines_at_distortion(lb_a, lb_l, d)
      if analytic is not None:
        to_ref = r - float(analytic.rate(d))
      else:
        to_ref = r - _lines_at_distortion(ref_a, ref_l, d)
    out.append(Comparison(record, float(to_ub), float(to_lb), float(to_ref), extended))
  return out


def bd_rate(codec_distortion, codec_rate, anchor_distortion, anchor_rate,
            samples: int = 200) -> float:
  """Bjøntegaard delta rate of a codec against an anchor curve, in percent.

  Args:
    codec_distortion, codec_rate: the codec's points (D, R), R > 0 (any units, same for both).
    anchor_distortion, anchor_rate: the anchor's points (here: UB envelope vertices).
    samples: grid points over the common quality range.

  Returns:
    100 (exp(mean_q [ln R_codec(q) - ln R_anchor(q)]) - 1); NaN without overlap or with fewer
    than two usable points on either curve. Positive: the codec needs more rate.
  """
  def curve(distortion, rate):
    distortion, rate = np.asarray(distortion, np.float64), np.asarray(rate, np.float64)
    keep = (rate > 0) & (distortion > 0)
    env_d, env_r = curves.lower_convex_envelope(distortion[keep], rate[keep])
    q = _psnr(env_d)
    order = np.argsort(q)
    return q[order], np.log(env_r[order])

  q1, l1 = curve(codec_distortion, codec_rate)
  q2, l2 = curve(anchor_distortion, anchor_rate)
  if q1.size < 2 or q2.size < 2:
    return math.nan
  low, high = max(q1[0], q2[0]), min(q1[-1], q2[-1])
  if not high > low:
    return math.nan
  grid = np.linspace(low, high, samples)
  delta = np.mean(np.interp(grid, q1, l1) - np.interp(grid, q2, l2))
  return float(100.0 * (math.exp(delta) - 1.0))


JPEG = curves.CODEC_PREFIX + "jpeg"


def bd_rates(records: Sequence[curves.Record], anchor: Optional[str] = None) -> Dict[str, float]:
  """BD-rate (percent) of each codec in `records` against an anchor.

  Args:
    records: a run's records.
    anchor: None for the UB envelope (upper_bound and wgd points), or an estimator name
      (e.g. `JPEG`) whose points form the anchor curve; that estimator is not compared with
      itself.

  Returns:
    {codec estimator: BD-rate in percent, NaN without overlap}.
  """
  records = list(records)
  if anchor is None:
    reference = [r for r in records if r.estimator in curves.ACHIEVABLE and r.has_point]
  else:
    reference = [r for r in records if r.estimator == anchor and r.has_point]
  out = {}
  for name in sorted({r.estimator for r in records if curves.is_operational(r.estimator)}
                     - {anchor}):
    points = [r for r in records if r.estimator == name and r.has_point]
    out[name] = bd_rate([r.distortion for r in points], [r.rate_nats for r in points],
                        [r.distortion for r in reference], [r.rate_nats for r in reference])
  return out


def _fmt(value, digits=3, at_least=False):
  if at_least and not math.isnan(value):
    return ">= " + _fmt(value, digits)
  if value is None or (isinstance(value, float) and math.isnan(value)):
    return "n/a"
  if isinstance(value, float) and math.isinf(value):
    # Above the largest LB intercept the lines allow any PSNR: no bound at this rate.
    return "no bound"
  return f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:.3e}"


def markdown(records: Sequence[curves.Record], source=None, title: Optional[str] = None) -> str:
  """The report: one table row per codec point, then BD-rates, as Markdown text."""
  records = list(records)
  comparisons = compare(records, source)
  image = any(c.record.pixels_per_sample for c in comparisons)
  has_ub = any(r.estimator in curves.ACHIEVABLE and r.has_point for r in records)
  has_lb = any(r.estimator == "lower_bound" and r.has_line for r in records)
  ref_name = "R(D)" if getattr(source, "analytic", None) is not None else "BA"
  name = title or (records[0].source if records else "")
  lines = [f"# Codecs against the sandwich: {name}", ""]
  if image:
    lines += ["Distances at equal rate, in dB of PSNR (positive: the codec's PSNR is lower). "
              "`to UB`: the UB envelope's PSNR minus the codec's; `to LB`: the highest PSNR the "
              "LB lines (at their 95% low ends) allow minus the codec's (must be >= 0; `no bound` where the codec's rate "
              "exceeds every LB intercept, so the lines allow any PSNR). `headers`: the share "
              "of the rate spent on bitstream headers (counted in bpp).", ""]
    lines.append("| codec | setting | bpp | PSNR dB | to UB dB | to LB dB | headers |")
    lines.append("|---|---|---|---|---|---|---|")
    for c in comparisons:
      r = c.record
      lines.append(f"| {r.estimator} | {setting_of(r)} | {_fmt(r.bpp)} | {_fmt(r.psnr_db, 4)} | "
                   f"{_fmt(c.to_ub, at_least=c.to_ub_at_least)} | {_fmt(c.to_lb)} | "
                   f"{_header_share(r)} |")
  else:
    lines += ["Distances at equal distortion, in nats per sample (positive: the codec spends "
              "more). `to UB`: codec rate minus the UB envelope; `to LB`: codec rate minus the LB "
              f"envelope of the lines' 95% low ends (must be >= 0); `to {ref_name}`: codec rate minus the reference.", ""]
    lines.append(f"| codec | setting | D | R nats | R bits | to UB | to LB | to {ref_name} |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for c in comparisons:
      r = c.record
      lines.append(f"| {r.estimator} | {setting_of(r)} | {_fmt(r.distortion, 4)} | "
                   f"{_fmt(r.rate_nats, 4)} | {_fmt(r.rate_bits, 4)} | "
                   f"{_fmt(c.to_ub, at_least=c.to_ub_at_least)} | "
                   f"{_fmt(c.to_lb)} | {_fmt(c.to_reference)} |")
  lines += ["", "BD-rate against the UB envelope (percent rate difference at equal PSNR; "
            "positive: the codec needs more rate):", ""]
  for codec, value in bd_rates(records).items():
    lines.append(f"* {codec}: {_fmt(value)}%" if not math.isnan(value)
                 else f"* {codec}: n/a (no overlap in quality with the UB envelope)")
  if any(r.estimator == JPEG and r.has_point for r in records):
    lines += ["", "BD-rate against JPEG (`codec:jpeg`; positive: the codec needs more rate than "
              "JPEG at equal PSNR):", ""]
    for codec, value in bd_rates(records, anchor=JPEG).items():
      lines.append(f"* {codec}: {_fmt(value)}%" if not math.isnan(value)
                   else f"* {codec}: n/a (no overlap in quality with JPEG)")
  if not has_ub:
    lines.append("\nNo upper-bound points in this run: `to UB` and BD-rates against it are n/a.")
  if not has_lb:
    lines.append("\nNo lower-bound lines in this run: `to LB` is n/a.")
  pinned = [r for r in records if r.is_at_ceiling]
  if pinned:
    lines.append("\n" + at_ceiling_line(pinned))
  below = [c for c in comparisons if c.to_lb < 0 and _significantly_below(c)]
  if below:
    lines.append(f"\nWarning: {len(below)} codec point(s) lie below the LB envelope by more than "
                 "three standard errors; the lower bound (or the measurement) is wrong there.")
  return "\n".join(lines) + "\n"


def at_ceiling_line(pinned: Sequence[curves.Record]) -> str:
  """One line naming the points held down by their rate ceiling (`Record.is_at_ceiling`)."""
  points = ", ".join(f"{r.estimator} at lambda={r.lmbda:g} ({r.rate_nats:.3g} of "
                     f"{r.ceiling_nats:.3g} nats)" for r in pinned)
  return (f"At its rate ceiling (rate above {curves.AT_CEILING:.0%} of it, or marked so by its "
          f"estimator; hollow in the plot): {points}. Such a point's R + lambda D is mostly "
          f"distortion a larger model (wgd: more particles) would buy down, so the UB envelope "
          f"is loose there.")


def _header_share(record):
  if record.header_bits is None or not record.rate_nats:
    return "n/a"
  return f"{100 * record.header_bits / record.rate_bits:.3g}%"


def setting_of(record):
  """The operating point from a run id: `<job id>:<setting>` (a codec's sweep, a user's
  points) or `codec:<name>-<setting>`."""
  run_id = record.run_id or ""
  if not run_id.startswith(curves.CODEC_PREFIX) and ":" in run_id:
    return run_id.split(":", 1)[1]  # Job ids hold no colon; a setting may.
  return run_id.split("-", 1)[1] if "-" in run_id else run_id


def _significantly_below(comparison):
  r = comparison.record
  if r.pixels_per_sample:
    return comparison.to_lb < -0.1
  return comparison.to_lb < -3 * (r.rate_nats_se or 0.0) - 1e-9
