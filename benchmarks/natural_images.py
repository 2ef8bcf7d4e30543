"""Natural photographs: the spatial upper bound against JPEG, WebP, JPEG 2000 and the hyperprior.

    .venv/bin/pip install -c constraints.txt -e '.[photos]'        # scikit-image (once)
    .venv/bin/python benchmarks/natural_images.py                 # default preset, hours on 2 cores
    .venv/bin/python benchmarks/natural_images.py --preset=quick --codecs=jpeg

Runs what a user runs, in one output folder (resumable: a second call reuses finished jobs):
`experiments/make_photo_folder.py` (unless --photos is given), `experiments/sandwich.py
--source=images --data=PHOTOS/train --test=PHOTOS/test` (trained on the training photos,
measured on the test photos, which no setting was tuned on) with the upper and lower bound
and no --lambdas (the image default grid), then `experiments/codecs.py`. Prints, at each
upper-bound point's bits per pixel, the PSNR of the upper bound, the most any code can reach
by the lower bound's lines, and each codec's PSNR at that rate (linear in ln bpp between its
sweep points), with the seconds each job took; then each codec's BD-rate against the UB envelope and against JPEG (report.md has
the same numbers per codec point); then the same per held-out image, with the mean over the
images and its standard error, and the UB's points per image (`rdbounds.codecs.per_image`).
"""

import math
import os
import subprocess
import sys
import tempfile

from absl import app
from absl import flags
import numpy as np

from rdbounds import curves
from rdbounds import held_out_points
from rdbounds.codecs import per_image
from rdbounds.codecs import report

flags.DEFINE_string("photos", None, "Folder with train/ and test/ photographs; default: "
                    "OUT/photos, written from the photographs installed packages ship.")
flags.DEFINE_string("out", "runs/natural_images", "Output folder of the run.")
flags.DEFINE_enum("preset", "default", ["quick", "default", "paper"], "Estimator presets.")
flags.DEFINE_list("codecs", ["jpeg", "webp", "jpeg2000", "hyperprior"], "Codecs to compare.")
flags.DEFINE_list("lambdas", None, "Multipliers; default: the image grid (about 0.1-1.4 bpp).")
flags.DEFINE_bool("smoke", False, "The smallest case (two smooth synthetic 128x128 training "
                  "and test images, the quick presets at one lambda, JPEG; in a temporary "
                  "folder): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(script, *arguments):
  command = [sys.executable, os.path.join(_ROOT, "experiments", script), *arguments]
  print("$", " ".join(command[1:]), flush=True)
  subprocess.run(command, check=True)


def _psnr(distortion):
  return -10.0 * math.log10(distortion) if distortion > 0 else math.inf


def _codec_psnr_at(points, bpp):
  """PSNR of a codec's sweep at `bpp`, linear in ln bpp between its points; NaN outside."""
  points = sorted(points, key=lambda r: r.bpp)
  rates = np.log([r.bpp for r in points])
  if not points or not rates[0] <= math.log(bpp) <= rates[-1]:
    return math.nan
  return float(np.interp(math.log(bpp), rates, [r.psnr_db for r in points]))


def _lb_psnr_at(lines, rate_nats):
  """The highest PSNR the LB lines allow at a rate: D >= max_i (a_i - R) / lambda_i, a_i the
  lines' bounds (their 95% low ends)."""
  if not lines:
    return math.nan
  distortion = max(0.0, max((r.intercept_bound - rate_nats) / r.lmbda for r in lines))
  return _psnr(distortion)


def table(records):
  """The markdown table of the module docstring."""
  ub = sorted((r for r in records if r.estimator == "upper_bound" and r.has_point),
              key=lambda r: r.bpp)
  lines = [r for r in records if r.estimator == "lower_bound" and r.has_line]
  codecs = sorted({r.estimator for r in records if r.estimator.startswith(curves.CODEC_PREFIX)})
  header = (["lambda", "UB bpp", "UB PSNR", "UB s", "LB: PSNR at most"]
            + [f"{c[len(curves.CODEC_PREFIX):]} PSNR" for c in codecs])
  rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
  for point in ub:
    cells = [f"{point.lmbda:g}", f"{point.bpp:.3f}", f"{point.psnr_db:.2f}",
             f"{point.seconds:.0f}", f"{_lb_psnr_at(lines, point.rate_nats):.2f}"]
    for codec in codecs:
      psnr = _codec_psnr_at([r for r in records if r.estimator == codec and r.has_point],
                            point.bpp)
      cells.append("n/a" if math.isnan(psnr) else f"{psnr:.2f}")
    rows.append("| " + " | ".join(cells) + " |")
  seconds = {c: sum(r.seconds or 0 for r in records if r.estimator == c) for c in codecs}
  lb_seconds = sum(r.seconds or 0 for r in lines)
  rows.append("")
  rows.append(f"Seconds: lower bound {lb_seconds:.0f} in all; " + ", ".join(
      f"{c[len(curves.CODEC_PREFIX):]} {s:.0f}" for c, s in seconds.items()))
  against_ub = report.bd_rates(records)
  against_jpeg = report.bd_rates(records, anchor="codec:jpeg") if "codec:jpeg" in codecs else {}
  rows.append("")
  rows.append("| codec | BD-rate vs UB envelope | BD-rate vs JPEG |")
  rows.append("|---|---|---|")
  for codec in codecs:
    jpeg = against_jpeg.get(codec, math.nan)
    rows.append(f"| {codec} | {against_ub.get(codec, math.nan):+.1f} % | "
                + ("n/a" if math.isnan(jpeg) else f"{jpeg:+.1f} %") + " |")
  return "\n".join(rows)


def _synthetic_photos(folder, size=128, per_split=2):
  """`folder/train` and `folder/test`, each with smooth random RGB images (bicubic upsampled
  noise): --smoke needs no photographs installed."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  for split in ("train", "test"):
    os.makedirs(os.path.join(folder, split))
    for i in range(per_split):
      coarse = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
      Image.fromarray(coarse).resize((size, size), Image.BICUBIC).save(
          os.path.join(folder, split, f"{i}.png"))
  return folder


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.out = tempfile.mkdtemp(prefix="natural_images_smoke-")
    FLAGS.photos = _synthetic_photos(os.path.join(FLAGS.out, "photos"))
    FLAGS.preset, FLAGS.lambdas, FLAGS.codecs = "quick", ["204800"], ["jpeg"]
  photos = FLAGS.photos or os.path.join(FLAGS.out, "photos")
  if not FLAGS.photos:
    _run("make_photo_folder.py", f"--out={photos}")
  bounds = ["--source=images", f"--data={os.path.join(photos, 'train')}",
            f"--test={os.path.join(photos, 'test')}", "--estimators=upper_bound,lower_bound",
            f"--preset={FLAGS.preset}", f"--out={FLAGS.out}"]
  if FLAGS.lambdas:
    bounds.append(f"--lambdas={','.join(FLAGS.lambdas)}")
  _run("sandwich.py", *bounds)
  if FLAGS.codecs:
    _run("codecs.py", f"--run={FLAGS.out}", f"--codecs={','.join(FLAGS.codecs)}")
  records = curves.read_csv(os.path.join(FLAGS.out, "curves.csv"))
  print(table(records))
  print(per_image.markdown(records, held_out_points.read_run(FLAGS.out)))


if __name__ == "__main__":
  app.run(main)
