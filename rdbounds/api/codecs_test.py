"""AVIF and HEIC added to a real photo run: rows, BD-rates pooled and per image, curves."""

import math
import os
import sys

import matplotlib.pyplot as plt
import pytest

import rdbounds
from rdbounds import curves
from rdbounds import held_out_points
from rdbounds import plots
from rdbounds.codecs import config as codec_config
from rdbounds.codecs import per_image
from rdbounds.codecs import report


def test_avif_and_heic_join_the_run_with_bd_rates_pooled_and_per_image_and_curves(photo_run):
  run, _ = photo_run
  lines = []
  result = rdbounds.add_codecs(run, ["avif", "heic"], log=lines.append)
  assert not result.failed
  records = list(result.records)
  for kind in ("avif", "heic"):
    mine = [r for r in records if r.estimator == f"codec:{kind}"]
    settings = [report.setting_of(r) for r in mine]
    assert settings == [f"quality={q} chroma={c}" for c in ("default", "444")
                        for q in codec_config.PLUGIN_QUALITIES[kind]]
    assert all(0 < r.header_bits < r.rate_bits for r in mine)
    # Quality buys PSNR within each chroma format.
    for chroma in ("default", "444"):
      psnr = [r.psnr_db for r, s in zip(mine, settings) if s.endswith(chroma)]
      assert psnr[-1] > psnr[0] + 5, (kind, chroma, psnr)
  pooled = report.bd_rates(records)
  images = per_image.bd_rates(held_out_points.read_run(run))
  text = result.report
  for kind in ("avif", "heic"):
    name = f"codec:{kind}"
    assert name in pooled and name in images
    assert set(images[name].per_image) == {"p0.png", "p1.png", "p2.png"}
    value = pooled[name]
    assert (f"* {name}: {value:.3g}%" if not math.isnan(value) else
            f"* {name}: n/a (no overlap in quality with the UB envelope)") in text
    assert f"| {name} | " in text.split("## Per held-out image")[1]
  # HEIC's low qualities reach the bound's PSNR (23-24 dB) on these images: a number.
  assert math.isfinite(pooled["codec:heic"]) and images["codec:heic"].n == 3
  fig, ax = plt.subplots()
  plots.draw_curves(ax, records)
  labels = {line.get_label() for line in ax.get_lines()}
  plt.close(fig)
  assert {"codec:avif (chroma=default)", "codec:avif (chroma=444)",
          "codec:heic (chroma=default)", "codec:heic (chroma=444)"} <= labels
  assert os.path.getsize(os.path.join(run, "curves.png")) > 0


def test_a_codec_whose_package_is_missing_is_refused_in_one_line_naming_the_extra(
    photo_run, monkeypatch):
  run, _ = photo_run
  monkeypatch.setitem(sys.modules, "pillow_heif", None)  # `import pillow_heif` now fails.
  with pytest.raises(ValueError, match=r"^codec:heic needs the pillow-heif package: pip install "
                                       r"-c constraints.txt -e '\.\[heic\]' \(or the 'codecs' "
                                       r"extra for all of them\)$"):
    rdbounds.add_codecs(run, ["avif", "heic"], log=lambda line: None)
  assert "codec:heic" not in {r.estimator for r in
                              curves.read_csv(os.path.join(run, "curves.csv"))}
