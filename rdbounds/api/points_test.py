"""Your own codec's points in a real run: JPEG measured outside the tool gives codec:jpeg's
BD-rates, the points reach curves.csv, report.md and the plot, and a malformed file changes
nothing."""

import csv
import io
import math
import os
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
import pytest

import rdbounds
from rdbounds import curves
from rdbounds import held_out_points
from rdbounds import plots
from rdbounds.api import conftest
from rdbounds.codecs import per_image
from rdbounds.codecs import report

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _jpeg_points(held_out, codec="myjpeg"):
  """JPEG made with Pillow directly, at codec:jpeg's settings (Huffman tables fitted), on the
  held-out PNG files: one row per image and quality, PSNR of the 8-bit pixels."""
  rows = []
  for name in sorted(os.listdir(held_out)):
    with Image.open(os.path.join(held_out, name)) as image:
      pixels = np.asarray(image.convert("RGB"))
    for quality in conftest.JPEG_QUALITIES:
      buffer = io.BytesIO()
      Image.fromarray(pixels).save(buffer, "JPEG", quality=quality, optimize=True)
      with Image.open(io.BytesIO(buffer.getvalue())) as decoded:
        mse = np.mean(np.square(pixels - np.asarray(decoded.convert("RGB"), np.float64)))
      rows.append(dict(codec=codec, setting=f"q{quality}", image=name,
                       bpp=8 * buffer.tell() / (pixels.shape[0] * pixels.shape[1]),
                       psnr_db=10 * math.log10(255**2 / mse)))
  return rows


def _write_csv(path, rows):
  with open(path, "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
  return str(path)


def _contents(folder):
  """{relative path: bytes} of every file under `folder`."""
  out = {}
  for directory, _, names in os.walk(folder):
    for name in names:
      path = os.path.join(directory, name)
      with open(path, "rb") as f:
        out[os.path.relpath(path, folder)] = f.read()
  return out


def test_jpeg_points_made_outside_give_the_bd_rates_of_codec_jpeg(photo_run, tmp_path):
  run, held_out = photo_run
  result = rdbounds.add_points(run, _write_csv(tmp_path / "mine.csv", _jpeg_points(held_out)),
                               log=lambda line: None)
  records = list(result.records)
  pooled = report.bd_rates(records)
  assert math.isfinite(pooled["codec:jpeg"])
  assert pooled["points:myjpeg"] == pytest.approx(pooled["codec:jpeg"], rel=0.005)
  images = per_image.bd_rates(held_out_points.read_run(run))
  assert images["codec:jpeg"].n == 3
  for name, value in images["codec:jpeg"].per_image.items():
    assert images["points:myjpeg"].per_image[name] == pytest.approx(value, rel=0.005)
  # The rows in curves.csv: a record per quality, at codec:jpeg's bpp and PSNR.
  saved = curves.read_csv(os.path.join(run, "curves.csv"))
  mine = [r for r in saved if r.estimator == "points:myjpeg"]
  jpeg = [r for r in saved if r.estimator == "codec:jpeg"]
  assert [report.setting_of(r) for r in mine] == [f"q{q}" for q in conftest.JPEG_QUALITIES]
  for m, j in zip(mine, jpeg):
    assert (m.bpp, m.psnr_db) == (pytest.approx(j.bpp, rel=1e-9), pytest.approx(j.psnr_db))
  # report.md: the pooled BD-rate line and the per-image row, as for codec:jpeg.
  with open(os.path.join(run, "report.md")) as f:
    text = f.read()
  assert text == result.report
  jpeg_row = next(l for l in text.splitlines() if l.startswith("| codec:jpeg | +"))
  assert jpeg_row.replace("codec:jpeg", "points:myjpeg") in text
  assert f"* points:myjpeg: {pooled['points:myjpeg']:.3g}%" in text
  assert "## The achievable envelope" in text
  # The plot: a curve of its own.
  fig, ax = plt.subplots()
  plots.draw_curves(ax, records)
  labels = [line.get_label() for line in ax.get_lines()]
  plt.close(fig)
  assert "points:myjpeg" in labels and "achievable envelope (colour: who supplies it)" in labels
  # The sandwich run again (every job cached) keeps the points' rows.
  before = rdbounds.load(run, log=lambda line: None).records
  again = rdbounds.sandwich(
      "images", estimators=["upper_bound", "codec:jpeg"], preset="quick",
      lambdas=[200 * 1024, 1800 * 1024, 16000 * 1024], out=run,
      source_options={"data": os.path.join(os.path.dirname(held_out), "train"),
                      "test": held_out, "crop": 32},
      options={"upper_bound": {"steps": 300, "warm_start_steps": None, "refine_steps": 0},
               "codec:jpeg": {"qualities": list(conftest.JPEG_QUALITIES)}},
      log=lambda line: None)
  assert list(again.records) == list(before)


def test_points_given_again_for_a_codec_replace_its_earlier_ones(photo_run, tmp_path):
  run, held_out = photo_run
  rows = _jpeg_points(held_out)
  rdbounds.add_points(run, rows, log=lambda line: None)
  fewer = [r for r in rows if r["setting"] != "q95"]
  rdbounds.add_points(run, fewer, log=lambda line: None)
  mine = [r for r in rdbounds.load(run, log=lambda line: None).records
          if r.estimator == "points:myjpeg"]
  assert [report.setting_of(r) for r in mine] == ["q5", "q20", "q50", "q80"]


# Each malformed file of the issue: (how the good rows are spoiled, the line it gives).
_MALFORMED = {
    "missing column": (lambda rows: [{k: v for k, v in r.items() if k != "psnr_db"}
                                     for r in rows],
                       r"^bad\.csv line 1: missing column\(s\) psnr_db; "),
    "unknown image": (lambda rows: rows[:3] + [dict(rows[3], image="nope.png")] + rows[4:],
                      r"^bad\.csv line 5: image 'nope\.png' is not a held-out image of this "
                      r"run \(held out: p0\.png, p1\.png, p2\.png\)$"),
    "NaN": (lambda rows: rows[:6] + [dict(rows[6], bpp=math.nan)] + rows[7:],
            r"^bad\.csv line 8: bpp is nan; a point needs finite numbers$"),
    "negative bpp": (lambda rows: [dict(rows[0], bpp=-0.5)] + rows[1:],
                     r"^bad\.csv line 2: bpp is -0\.5; it must be above 0$"),
    "a setting missing an image": (lambda rows: [r for r in rows if not (
        r["setting"] == "q50" and r["image"] == "p2.png")],
                                   r"^bad\.csv line 4: codec myjpeg, setting 'q50' has no row "
                                   r"for held-out image\(s\) p2\.png; "),
}


@pytest.mark.parametrize("case", list(_MALFORMED))
def test_a_malformed_file_is_refused_in_one_line_and_nothing_is_written(photo_run, tmp_path,
                                                                        case):
  run, held_out = photo_run
  spoil, message = _MALFORMED[case]
  bad = _write_csv(tmp_path / "bad.csv", spoil(_jpeg_points(held_out)))
  before = _contents(run)
  with pytest.raises(ValueError, match=message) as refused:
    rdbounds.add_points(run, bad, log=lambda line: None)
  assert "\n" not in str(refused.value)
  assert _contents(run) == before


def test_the_command_adds_points_and_refuses_a_malformed_file_in_one_line(photo_run, tmp_path):
  run, held_out = photo_run
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
  command = [sys.executable, "-m", "rdbounds.cli.main", "codecs", f"--run={run}"]
  rows = _jpeg_points(held_out, codec="clijpeg")
  bad = _write_csv(tmp_path / "bad.csv", rows[:1] + rows[2:])  # q20 lacks p0.png.
  before = _contents(run)
  refused = subprocess.run(command + [f"--points={bad}"], capture_output=True, text=True,
                           env=env, timeout=300)
  assert refused.returncode == 2
  assert refused.stderr.strip().count("\n") == 0
  assert refused.stderr.startswith("rdbounds codecs: error: bad.csv line 7: codec clijpeg, "
                                   "setting 'q20' has no row for held-out image(s) p0.png")
  assert _contents(run) == before
  good = _write_csv(tmp_path / "good.csv", rows)
  added = subprocess.run(command + [f"--points={good}"], capture_output=True, text=True,
                         env=env, timeout=300)
  assert added.returncode == 0, added.stderr
  assert "| points:clijpeg | +" in added.stdout  # Its per-image BD-rate row.
  assert {r.estimator for r in curves.read_csv(os.path.join(run, "curves.csv"))} == {
      "upper_bound", "codec:jpeg", "points:clijpeg"}


def test_vector_points_round_trip_and_give_their_rate_ratio_as_bd_rate(tmp_path):
  run = str(tmp_path / "gauss")
  bound = rdbounds.sandwich("gaussian", source_options={"dim": 2}, lambdas=[1, 3, 10],
                            estimators=["upper_bound"], preset="quick",
                            options={"upper_bound": {"steps": 50}}, out=run,
                            log=lambda line: None)
  ub = [r for r in bound.records if r.estimator == "upper_bound"]
  # Two codecs at the bound's distortions: 10% more rate, and 10% less.
  rows = [dict(codec=codec, setting=f"level={i}", rate_nats=repr(factor * r.rate_nats),
               distortion=repr(r.distortion))
          for codec, factor in (("worse", 1.1), ("better", 0.9)) for i, r in enumerate(ub)]
  result = rdbounds.add_points(run, _write_csv(tmp_path / "vq.csv", rows), log=lambda line: None)
  saved = curves.read_csv(os.path.join(run, "curves.csv"))
  for codec, factor in (("worse", 1.1), ("better", 0.9)):
    mine = [r for r in saved if r.estimator == f"points:{codec}"]
    assert [(r.distortion, r.rate_nats) for r in mine] == [
        (r.distortion, factor * r.rate_nats) for r in ub]
    assert all(r.pixels_per_sample is None and r.bpp is None for r in mine)
  # ln R differs from the bound's by ln 1.1 or ln 0.9 at every D: BD-rates +10% and -10%.
  pooled = report.bd_rates(saved)
  assert pooled["points:worse"] == pytest.approx(10.0, abs=1e-6)
  assert pooled["points:better"] == pytest.approx(-10.0, abs=1e-6)
  text = result.report
  assert "* points:better: -10%" in text and "* points:worse: 10%" in text
  # The achievable envelope is the better codec's, 10% below the learned bound.
  assert "points:better (level=0, level=1, level=2)" in text
  assert "the learned upper bound's alone: -10.0%" in text
