"""Plots put every kind of record where its closed form says, on vector and image axes."""

import math
import os

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
import tensorflow as tf

from rdbounds import curves
from rdbounds import plots
from rdbounds import sources


def _vector_records():
  truth = sources.GaussianSource.standard(2).analytic
  rows = []
  for lmbda in (1.5, 3.0, 10.0):
    d, r = truth.point(lmbda)
    f = float(truth.intercept(lmbda))
    rows += [
        curves.Record("gaussian-dim=2", "upper_bound", lmbda, float(d) * 1.02, 0.002,
                      float(r) * 1.03, 0.01, run_id="ub"),
        curves.Record("gaussian-dim=2", "lower_bound", lmbda, intercept_nats=0.95 * f,
                      intercept_ci_low=0.93 * f, intercept_ci_high=0.97 * f,
                      ceiling_nats=math.log(1024) if lmbda < 10 else 1.0 * f, run_id="lb"),
        curves.Record("gaussian-dim=2", "codec:scalar", None, float(d) * 1.2, None,
                      float(r) * 1.3, run_id="c"),
    ]
  return rows


class PlotsTest(tf.test.TestCase):

  def _draw(self, records, **kwargs):
    fig, ax = plt.subplots()
    self.addCleanup(plt.close, fig)
    plots.draw_curves(ax, records, **kwargs)
    return ax

  def _line(self, ax, label):
    line, = [l for l in ax.get_lines() if l.get_label() == label]
    return line.get_xydata().T

  def test_vector_axes_draw_r_of_d_and_the_upper_envelope_of_the_lines_in_bits(self):
    records = _vector_records()
    ax = self._draw(records, source=sources.GaussianSource.standard(2), units="bits")
    # N(0, I_2) under MSE per dimension: R(D) = max(0, ln(1/D)) nats per sample.
    d, r = self._line(ax, "analytic R(D)")
    self.assertGreater(d.max(), 1.0)
    self.assertAllClose(r, np.maximum(0.0, np.log2(1.0 / d)), rtol=1e-9, atol=1e-12)
    # The lower bound: max over lines of their 95% low end - lambda D, where it is positive;
    # the mean intercepts' envelope beside it, named an estimate.
    for label, field in (("lower bound (Csiszar dual, 95% low ends)", "intercept_ci_low"),
                         (plots.LB_MEAN_LABEL, "intercept_nats")):
      d, r = self._line(ax, label)
      lines = [(getattr(x, field), x.lmbda) for x in records if x.estimator == "lower_bound"]
      envelope = np.max([f - l * d for f, l in lines], axis=0) / math.log(2)
      self.assertAllClose(r, envelope, rtol=1e-9)
      self.assertTrue(np.all(r > 0))
    self.assertIn(plots.LB_INTERVAL_LABEL, ax.get_legend_handles_labels()[1])
    # The UB envelope never passes above a point: every point is on or above it.
    d, r = self._line(ax, "UB envelope")
    for x in records:
      if x.estimator == "upper_bound":
        self.assertGreaterEqual(x.rate_nats / math.log(2),
                                np.interp(x.distortion, d, r) - 1e-9)
    # Lambda 10's line is at its ceiling: drawn dashed and labelled, the others are not.
    saturated = [l.get_label() for l in ax.get_lines() if l.get_linestyle() == "--"]
    self.assertEqual(saturated, ["LB saturated (>= 95% of ln k), lambda=10"])

  def test_image_axes_put_points_at_bits_per_pixel_and_psnr(self):
    records = [
        curves.Record("img", "upper_bound", l, 0.01 / l, 1e-4, 300.0 * l, 2.0,
                      pixels_per_sample=1024) for l in (1.0, 2.0)]
    records += [curves.Record("img", "lower_bound", 2000.0, intercept_nats=100.0,
                              intercept_ci_low=90.0, intercept_ci_high=110.0,
                              ceiling_nats=math.log(256), pixels_per_sample=1024)]
    ax = self._draw(records)
    points = ax.containers[0].lines[0].get_xydata()
    self.assertAllClose(points, [[300.0 / (1024 * math.log(2)), 20.0],
                                 [600.0 / (1024 * math.log(2)), -10 * math.log10(0.005)]])
    # One line, R >= 90 - 2000 D at its low end: at PSNR p it allows (90 - 2000 *
    # 10^(-p/10)) nats.
    bpp, psnr = self._line(ax, "lower bound (Csiszar dual, 95% low ends)")
    self.assertAllClose(bpp, (90.0 - 2000.0 * 10**(-psnr / 10)) / (1024 * math.log(2)),
                        rtol=1e-6, atol=1e-12)
    self.assertEqual((ax.get_xlabel(), ax.get_ylabel()), ("rate (bits per pixel)", "PSNR (dB)"))

  def test_a_point_at_its_rate_ceiling_is_hollow_and_labelled(self):
    # Two wgd points of 1024 particles: one at 4.2 nats (61% of ln 1024), one at 6.6 (95%).
    records = [curves.Record("g", "wgd", l, d, 1e-4, r, 0.01, ceiling_nats=math.log(1024))
               for l, d, r in ((1000.0, 0.01, 4.2), (2000.0, 0.005, 6.6))]
    ax = self._draw(records)
    by_label = {c.get_label(): c.lines[0] for c in ax.containers}
    pinned = by_label["upper bound (WGD particles) at its rate ceiling"]
    free = by_label["upper bound (WGD particles)"]
    self.assertAllClose(pinned.get_xydata(), [[0.005, 6.6]])
    self.assertAllClose(free.get_xydata(), [[0.01, 4.2]])
    self.assertEqual(pinned.get_markerfacecolor(), "none")
    self.assertNotEqual(free.get_markerfacecolor(), "none")

  def test_plot_curves_writes_a_png_atomically(self):
    path = os.path.join(self.get_temp_dir(), "v.png")
    plots.plot_curves(_vector_records(), path, source=sources.GaussianSource.standard(2))
    self.assertEqual(Image.open(path).size, (840, 600))
    self.assertEqual(os.listdir(self.get_temp_dir()), ["v.png"])  # no temporary file left

  def test_image_lower_bound_far_left_of_the_points_is_drawn(self):
    # A line limited by ln k per crop (3.4 nats of 1024 pixels: 0.005 bpp) bounds PSNR only
    # far left of points at 0.2-1 bpp; it must still be in the picture, in red.
    records = [curves.Record("img", "upper_bound", l, 10**-(2.5 + l / 2e6), None,
                             (0.2 + l / 2e6) * 1024 * math.log(2), pixels_per_sample=1024)
               for l in (6e4, 6e5, 1.8e6)]
    records += [curves.Record("img", "lower_bound", l, intercept_nats=3.4,
                              ceiling_nats=math.log(36), pixels_per_sample=1024)
                for l in (6e4, 1.8e6)]
    path = os.path.join(self.get_temp_dir(), "photo.png")
    plots.plot_curves(records, path)
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    reddish = (pixels[..., 0] > 200) & (pixels[..., 1] < 170) & (pixels[..., 2] < 170)
    # The line is near-vertical at ~0 bpp; the legend's red sample spans 2-3 rows only.
    self.assertGreater(int(np.any(reddish, axis=1).sum()), 20)

  def test_codecs_never_take_the_lower_bounds_red(self):
    # Matplotlib's own cycle gives the fourth line tab:red, the lower bound's colour.
    records = [curves.Record("g", f"codec:c{i}", None, d, None, 1.0 / d + i, run_id="c")
               for i in range(4) for d in (0.1, 0.2, 0.4)]
    path = os.path.join(self.get_temp_dir(), "codecs.png")
    plots.plot_curves(records, path)
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3).astype(int)
    red = np.array([0xd6, 0x27, 0x28])
    self.assertFalse(np.any(np.abs(pixels - red).max(axis=1) <= 8))

  def test_each_chroma_format_is_a_curve_and_the_envelope_comes_with_codecs(self):
    ub = [r for r in _vector_records() if r.estimator == "upper_bound"]
    ax = self._draw(ub)
    self.assertNotIn("achievable envelope (colour: who supplies it)",
                     [l.get_label() for l in ax.get_lines()])
    # A codec with two chroma formats below the bound at small D, and a user's codec.
    codec = [curves.Record("g", "codec:avif", None, d, None, r, run_id=f"j:quality={q} chroma={c}")
             for c, shift in (("default", 0.3), ("444", 0.2))
             for q, d, r in ((10, 0.3, 1.2 + shift), (50, 0.1, 2.3 + shift))]
    mine = [curves.Record("g", "points:mine", None, 0.05, None, 2.6, run_id="p:q")]
    ax = self._draw(ub + codec + mine)
    lines = {l.get_label(): l for l in ax.get_lines()}
    self.assertAllClose(lines["codec:avif (chroma=444)"].get_xydata(), [[0.1, 2.5], [0.3, 1.4]])
    self.assertEqual(lines["codec:avif (chroma=444)"].get_linestyle(), "--")
    self.assertEqual(lines["codec:avif (chroma=default)"].get_linestyle(), "-")
    self.assertEqual(lines["points:mine"].get_marker(), "s")
    self.assertIn("achievable envelope (colour: who supplies it)", lines)

  def test_rejects_unknown_units(self):
    with self.assertRaisesRegex(ValueError, "units"):
      plots.plot_curves(_vector_records(), os.path.join(self.get_temp_dir(), "x.png"), units="hartleys")


if __name__ == "__main__":
  tf.test.main()
