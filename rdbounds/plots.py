"""R-D plots of a list of records: the sandwich, references and codecs in one picture.

Vector sources: rate (nats or bits per sample) against distortion (MSE per dimension).
Image sources: PSNR (dB) against bits per pixel. Every estimator is drawn from the same
`Record` fields: achieved points with error bars for upper bounds (beta-VAE and WGD, each in
its own colour and marker, hollow where a point is at its rate ceiling) and the lower convex
envelope of all of them (time sharing); for lower bounds the upper envelope of the lines
`R >= intercept - lambda D` at their 95% interval's low ends, the bound (solid, and named so
in the legend), beside the envelope of their means (dotted: an estimate, not a bound) and the
band between the envelopes of the interval's ends; curves through the points of references
and codecs (a user's own codec, `points:<codec>`, with square markers); and, when the run has
codecs, the achievable envelope: the lower convex envelope of every achievable point, the
learned bound's and the codecs' (`rdbounds.codecs.envelope`).
"""

import dataclasses
import itertools
import math
from typing import Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
import numpy as np

from rdbounds import curves
from rdbounds import files
from rdbounds.codecs import envelope
from rdbounds.codecs import report


_STYLE = {
    "analytic": dict(color="black", label="analytic R(D)"),
    "blahut_arimoto": dict(color="tab:gray", marker="s", linestyle="--", label="Blahut-Arimoto"),
    "high_rate": dict(color="tab:gray", linestyle="-.", marker="x",
                      label="high-rate asymptote (not a bound)"),
    "upper_bound": dict(color="tab:blue", marker="o", label="upper bound (beta-VAE)"),
    "wgd": dict(color="tab:green", marker="D", label="upper bound (WGD particles)"),
    "lower_bound": dict(color="tab:red", label="lower bound (Csiszar dual, 95% low ends)"),
}
_CODEC_COLORS = ("tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
# The envelope of the lower bound's mean intercepts: an estimate, drawn beside the bound.
LB_MEAN_LABEL = "LB estimate (means; not a bound)"
LB_INTERVAL_LABEL = "LB 95% interval"
# dB of an image plot's view above its best point, at most, to show where the LB curve starts.
_LB_HEADROOM_DB = 10.0


@dataclasses.dataclass(frozen=True)
class _Axes:
  """Where (D, R) lands in the plot: (D, R in nats or bits) for vector sources, (bits per
  pixel, PSNR in dB) for images (`pixels` per sample)."""
  pixels: Optional[int]
  units: str = "nats"

  @property
  def image(self) -> bool:
    return self.pixels is not None

  @property
  def rate_scale(self) -> float:
    """Plotted rate per nat: 1 / (ln 2 * pixels) for bpp, 1 / ln 2 for bits, 1 for nats."""
    if self.image:
      return 1.0 / (math.log(2) * self.pixels)
    return 1.0 / math.log(2) if self.units == "bits" else 1.0

  def __call__(self, distortion, rate_nats):
    """Maps (D, R in nats) to plot coordinates: (D, R) or (bpp, PSNR)."""
    distortion = np.asarray(distortion, float)
    rate = np.asarray(rate_nats, float) * self.rate_scale
    if self.image:
      return rate, -10.0 * np.log10(distortion)
    return distortion, rate


def _distortion_grid(records: Sequence[curves.Record]) -> np.ndarray:
  """400 distortions spanning the achieved points and, for lines, the region from their likely
  touching point (~ 1 / (2 lambda) per dimension for squared error) to where they reach R = 0."""
  lows = [r.distortion for r in records if r.has_point]
  highs = list(lows)
  for r in records:
    if r.has_line and r.lmbda:
      lows.append(0.5 / r.lmbda)
      highs.append(max(r.intercept_nats, 0.0) / r.lmbda)
  points = [r.distortion for r in records if r.has_point and r.distortion > 0]
  # With achieved points, they set the low end: lines flatten out below it and say little.
  lows = points or [d for d in lows if d > 0] or [1e-2]
  highs = [d for d in highs if d > 0] or [1.0]
  return np.geomspace(0.6 * min(lows), 1.3 * max(highs), 400)


def _draw_references(ax, by_estimator, source, axes: _Axes, grid) -> None:
  """The analytic R(D) (smooth, from the source when it knows it), Blahut-Arimoto and the
  high-rate asymptote."""
  if source is not None and getattr(source, "analytic", None) is not None:
    ax.plot(*axes(grid, source.analytic.rate(grid)), **_STYLE["analytic"])
  elif "analytic" in by_estimator:
    pts = sorted((r.distortion, r.rate_nats) for r in by_estimator["analytic"])
    ax.plot(*axes(*zip(*pts)), marker="o", **_STYLE["analytic"])
  for name in ("blahut_arimoto", "high_rate"):  # points at the run's lambdas, joined
    if name in by_estimator:
      pts = sorted((r.distortion, r.rate_nats) for r in by_estimator[name])
      ax.plot(*axes(*zip(*pts)), **_STYLE[name])


def _error_bars(points, axes: _Axes):
  """(x errors, y errors) of achieved points: one standard error, in plot units."""
  rate_se = np.array([r.rate_nats_se or 0.0 for r in points]) * axes.rate_scale
  if axes.image:
    psnr_se = np.array([10 / math.log(10) * (r.distortion_se or 0.0) / r.distortion
                        for r in points])
    return rate_se, psnr_se
  return np.array([r.distortion_se or 0.0 for r in points]), rate_se


def _draw_achievable(ax, by_estimator, axes: _Axes) -> None:
  """Achievable points (beta-VAE, WGD) with error bars, each estimator in its own colour and
  marker; their joint time-sharing envelope is the UB envelope."""
  achievable = []
  for name in curves.ACHIEVABLE:
    points = [r for r in by_estimator.get(name, []) if r.has_point]
    if not points:
      continue
    achievable += points
    # Points held down by their rate ceiling (wgd: ln p) hollow: their R + lambda D is mostly
    # distortion a larger model would buy down (`Record.is_at_ceiling`).
    for pinned in (False, True):
      some = [r for r in points if r.is_at_ceiling == pinned]
      if not some:
        continue
      x, y = axes([r.distortion for r in some], [r.rate_nats for r in some])
      xerr, yerr = _error_bars(some, axes)
      style = {k: v for k, v in _STYLE[name].items() if k != "marker"}
      if pinned:
        style.update(markerfacecolor="none", label=f"{style['label']} at its rate ceiling")
      ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt=_STYLE[name]["marker"], capsize=3, **style)
  if achievable:
    env_d, env_r = curves.lower_convex_envelope([r.distortion for r in achievable],
                                                [r.rate_nats for r in achievable])
    if len(env_d) > 1:
      ax.plot(*axes(env_d, env_r), color=_STYLE["upper_bound"]["color"], linestyle=":",
              label="UB envelope")


def _line_grid(lb, axes: _Axes, grid) -> np.ndarray:
  """The D grid of the lower bound's lines. In (bpp, PSNR) a line bounds PSNR only below its
  intercept's rate, where it rises without limit; that rate can lie far left of the
  achievable points (ln k per crop), so the grid reaches down to R = 0's neighbourhood."""
  touching = [r.intercept_nats / r.lmbda for r in lb if r.intercept_nats > 0]
  if axes.image and touching:
    return np.geomspace(min(grid[0], 1e-3 * min(touching)), grid[-1], 800)
  return grid


def _draw_lower_bound(ax, lb, axes: _Axes, grid) -> None:
  """The bound: the upper envelope of the lines R >= intercept - lambda D at their 95% low
  ends; the envelope of their means (an estimate), the band between the envelopes of the
  interval's ends, and saturated lines dashed."""
  style = _STYLE["lower_bound"]
  grid = _line_grid(lb, axes, grid)
  lmb = [r.lmbda for r in lb]
  envelope = lambda ends: curves.upper_envelope_of_lines(ends, lmb, grid)
  mean = envelope([r.intercept_nats for r in lb])
  low = envelope([r.intercept_bound for r in lb])
  high = envelope([r.intercept_nats if r.intercept_ci_high is None else r.intercept_ci_high
                   for r in lb])
  positive = mean > 0
  bound = low > 0
  ax.plot(*axes(grid[bound], low[bound]), **style)
  ax.plot(*axes(grid[positive], mean[positive]), color=style["color"], linestyle=":",
          alpha=0.8, label=LB_MEAN_LABEL)
  # The CI band spans rates at each distortion: vertical for R(D), horizontal for PSNR(bpp).
  d, low, high = grid[positive], low[positive], high[positive]
  if axes.image:
    ax.fill_betweenx(axes(d, low)[1], axes(d, low)[0], axes(d, high)[0],
                     color=style["color"], alpha=0.15, lw=0, label=LB_INTERVAL_LABEL)
  else:
    ax.fill_between(d, axes(d, low)[1], axes(d, high)[1], color=style["color"], alpha=0.15,
                    lw=0, label=LB_INTERVAL_LABEL)
  for r in lb:
    if r.saturated:
      # Saturated lines say more about k than about R(D): draw them (at their low ends),
      # dashed and labelled.
      line = np.maximum(r.intercept_bound - r.lmbda * grid, 0)
      ax.plot(*axes(grid[line > 0], line[line > 0]), color=style["color"], linestyle="--",
              alpha=0.6,
              label=f"LB saturated (>= {curves.SATURATION:.0%} of ln k), lambda={r.lmbda:g}")


def _series(record: curves.Record) -> str:
  """Which curve of its codec a built-in codec's point is on: the words of its setting after
  the first (`quality=50 chroma=444` -> `chroma=444`), so that each chroma format is its own
  curve; "" for one curve (a user's points are one curve per codec)."""
  if not record.estimator.startswith(curves.CODEC_PREFIX):
    return ""
  return " ".join(report.setting_of(record).split()[1:])


def _codec_colors(by_estimator) -> dict:
  """Each codec's colour: none a bound or reference uses (matplotlib's cycle would give the
  second codec the lower bound's red)."""
  codecs = sorted(k for k in by_estimator if curves.is_operational(k))
  return dict(zip(codecs, itertools.cycle(_CODEC_COLORS)))


def _draw_codecs(ax, by_estimator, axes: _Axes) -> None:
  """Codecs in their colours, one curve per series (`_series`: dashed after the first), a
  user's own codec with square markers."""
  for name, color in _codec_colors(by_estimator).items():
    points = [r for r in by_estimator[name] if r.has_point]
    series = list(dict.fromkeys(_series(r) for r in points))
    for i, key in enumerate(series):
      pts = sorted((r.distortion, r.rate_nats) for r in points if _series(r) == key)
      ax.plot(*axes(*zip(*pts)), marker="s" if name.startswith(curves.POINTS_PREFIX) else "^",
              linestyle="-" if i == 0 else "--", alpha=0.8, color=color,
              label=f"{name} ({key})" if key else name)


def _draw_achievable_envelope(ax, records, by_estimator, axes: _Axes) -> None:
  """The lower convex envelope of every achievable point, learned bound and codecs, where
  codecs are in the run (without them it is the UB envelope, drawn already): a broad band
  under the points, in the colour of the estimator that supplies each stretch of it, grey
  where two time-share."""
  if not any(curves.is_operational(r.estimator) and r.has_point for r in records):
    return
  colors = dict(_codec_colors(by_estimator),
                **{name: _STYLE[name]["color"] for name in curves.ACHIEVABLE})
  corners = envelope.vertices(records)
  label = "achievable envelope (colour: who supplies it)"
  for stretch in envelope.stretches(corners):
    if len(stretch.suppliers) == 2:
      ends = [r for r in corners if r.rate_nats in (stretch.low, stretch.high)]
      color = "gray"
    else:
      ends, color = list(stretch.vertices), colors[stretch.suppliers[0]]
    x, y = axes([r.distortion for r in ends], [r.rate_nats for r in ends])
    ax.plot(x, y, color=color, linewidth=7, alpha=0.25, zorder=1, solid_capstyle="round",
            marker="o" if len(ends) == 1 else None, markersize=12, label=label)
    label = None


def _image_view(ax, records, lb, axes: _Axes) -> None:
  """Axes of an image plot. The lower bound's curve starts at zero rate at PSNR
  -10 log10(max_i a_i / lambda_i) and rises without limit: the view spans it and the points,
  from bpp 0 (a line limited by ln k per crop can sit at a few thousandths of a bit per
  pixel). A start far above the points (62 dB from a 3-nat line on a photo) would squash
  them, so the view stops _LB_HEADROOM_DB above the best point and such a line runs off the
  top."""
  ax.set_xlabel("rate (bits per pixel)")
  ax.set_ylabel("PSNR (dB)")
  shown = [-10.0 * math.log10(r.distortion) for r in records
           if r.has_point and r.distortion and r.distortion > 0]
  touching = [r.intercept_nats / r.lmbda for r in lb if r.intercept_nats > 0]
  if not (shown and touching):
    return
  lb_start = -10.0 * math.log10(max(touching))
  best = max(shown)
  top = min(max(best, lb_start), best + _LB_HEADROOM_DB) + 3.0
  if lb_start > top:
    ax.text(0.01, 0.99, f"lower bound: PSNR <= {lb_start:.1f} dB at 0 bpp (above the view)",
            transform=ax.transAxes, va="top", fontsize=8, color=_STYLE["lower_bound"]["color"])
  ax.set_ylim(min(shown) - 2.0, top)
  # The points set the bpp range (an LB band's upper end can run off to any rate), with a
  # little room on the left so that lines at ~0 bpp clear the spine.
  right = 1.05 * max(r.rate_nats * axes.rate_scale for r in records if r.has_point)
  ax.set_xlim(-0.02 * right, right)


def _vector_view(ax, axes: _Axes, grid) -> None:
  ax.set_xlabel("distortion D (MSE per dimension)")
  ax.set_ylabel(f"rate R ({axes.units} per sample)")
  if grid[-1] / grid[0] > 8:
    ax.set_xscale("log")
  ax.set_ylim(bottom=0)


def draw_curves(ax, records: Sequence[curves.Record], source=None, units: str = "nats",
                title: Optional[str] = None) -> None:
  """Draws all records into the matplotlib axes `ax` (arguments as `plot_curves`)."""
  if units not in ("nats", "bits"):
    raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
  records = list(records)
  pixels = next((r.pixels_per_sample for r in records if r.pixels_per_sample), None)
  if source is not None and source.pixels_per_sample:
    pixels = source.pixels_per_sample
  axes = _Axes(pixels, units)
  grid = _distortion_grid(records)
  by_estimator = {}
  for record in records:
    by_estimator.setdefault(record.estimator, []).append(record)
  lb = [r for r in by_estimator.get("lower_bound", []) if r.has_line]
  _draw_references(ax, by_estimator, source, axes, grid)
  _draw_achievable(ax, by_estimator, axes)
  if lb:
    _draw_lower_bound(ax, lb, axes, grid)
  _draw_codecs(ax, by_estimator, axes)
  _draw_achievable_envelope(ax, records, by_estimator, axes)
  if axes.image:
    _image_view(ax, records, lb, axes)
  else:
    _vector_view(ax, axes, grid)
  ax.set_title(title or (records[0].source if records else ""))
  ax.grid(True, which="both", alpha=0.3)
  if ax.get_legend_handles_labels()[0]:  # a run whose every job failed has nothing to label
    ax.legend(fontsize=8)


def plot_curves(records: Sequence[curves.Record], path: str, source=None, units: str = "nats",
                title: Optional[str] = None) -> None:
  """Draws all records into a PNG at `path`.

  Args:
    records: records of any estimators (one source).
    path: output PNG path.
    source: optional `Source`; its analytic R(D), when known, is drawn as a smooth curve.
    units: "nats" or "bits" for the rate axis of vector sources.
    title: figure title; defaults to the source name.
  """
  fig, ax = plt.subplots(figsize=(7, 5))
  try:
    draw_curves(ax, records, source, units, title)
    fig.tight_layout()
    # Atomic, with the usual permissions: a reader (or a killed run) never sees half a PNG.
    with files.replace_atomically(path, "wb") as f:
      fig.savefig(f, dpi=120, format="png")
  finally:
    plt.close(fig)
