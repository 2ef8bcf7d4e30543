"""Per-image points written by a real codec job on a photo folder, and read back."""

import json
import os

import numpy as np
from PIL import Image
import pytest

import rdbounds
from rdbounds import curves
from rdbounds import held_out_points


def _write_photos(directory, sizes, seed):
  """Noisy horizontal ramps of the given (height, width), as PNG files p0.png, p1.png, ..."""
  rng = np.random.default_rng(seed)
  os.makedirs(directory)
  for i, (height, width) in enumerate(sizes):
    ramp = np.linspace(0, 255, width)[None, :, None] * np.ones((height, 1, 3))
    pixels = np.clip(ramp + rng.normal(0, 8, ramp.shape), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(os.path.join(directory, f"p{i}.png"))


def test_a_codec_job_writes_each_held_out_image_point_per_setting(tmp_path):
  _write_photos(tmp_path / "train", [(40, 96), (48, 64)], seed=0)
  _write_photos(tmp_path / "test", [(40, 96), (56, 72)], seed=1)
  run = str(tmp_path / "run")
  result = rdbounds.sandwich("images", estimators=["codec:jpeg"], preset="quick", out=run,
                             source_options={"data": str(tmp_path / "train"),
                                             "test": str(tmp_path / "test")},
                             log=lambda line: None)
  points = held_out_points.read_run(run)
  records = list(result.records)
  assert len(records) > 1 and len(points) == 2 * len(records)
  for record in records:
    mine = [p for p in points if p.run_id == record.run_id]
    assert [p.file for p in mine] == ["p0.png", "p1.png"]
    assert [p.pixels for p in mine] == [40 * 96, 56 * 72]
    assert {p.estimator for p in mine} == {"codec:jpeg"}
    # The images' bytes, headers included, pooled by pixels: the record's bpp.
    pooled = sum(p.bpp * p.pixels for p in mine) / sum(p.pixels for p in mine)
    assert pooled == pytest.approx(record.bpp, rel=1e-12)
  # One list per setting, keyed as the records' run ids end.
  job_id = records[0].run_id.split(":")[0]
  with open(os.path.join(run, "jobs", job_id, held_out_points.FILE)) as f:
    written = json.load(f)
  assert sorted(written) == sorted(r.run_id.split(":")[1] for r in records)
  # Codecs added to the run: report.md has a row per codec and image (n/a: no UB points).
  rdbounds.add_codecs(run, ["webp"], log=lambda line: None)
  with open(os.path.join(run, "report.md")) as f:
    report = f.read()
  assert "## Per held-out image (2 images)" in report
  for codec in ("jpeg", "webp"):
    assert f"| codec:{codec} | n/a | n/a | n/a | n/a |" in report


def test_a_job_with_one_record_writes_a_list_and_jobs_without_a_file_have_none(tmp_path):
  # An upper-bound job at its lambda (run id = job id), and one that wrote no file.
  ub = [curves.Record(source="s", estimator="upper_bound", lmbda=l, distortion=0.001,
                      rate_nats=64.0, pixels_per_sample=64, run_id=f"ub-{l:g}")
        for l in (10.0, 20.0)]
  curves.write_csv(str(tmp_path / "curves.csv"), ub)
  held_out_points.write(str(tmp_path / "jobs" / "ub-10"), [
      held_out_points.point("a.png", 100, 150.0, 0.3, 3)])
  point, = held_out_points.read_run(str(tmp_path))
  assert (point.estimator, point.run_id, point.lmbda, point.file) == (
      "upper_bound", "ub-10", 10.0, "a.png")
  assert point.bpp == 1.5 and point.psnr_db == pytest.approx(30.0, rel=1e-12)
  assert held_out_points.read_run(str(tmp_path / "jobs")) == []  # No curves.csv there.
