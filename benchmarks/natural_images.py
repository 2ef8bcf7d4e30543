"""Photographs: the old default upper bound and the new one against JPEG, WebP, AVIF and HEIC.

    .venv/bin/pip install -c constraints.txt -e '.[photos,codecs]'   # once
    .venv/bin/python benchmarks/natural_images.py                    # both defaults: hours
    .venv/bin/python benchmarks/natural_images.py --variants=new     # the new one: minutes
    .venv/bin/python benchmarks/natural_images.py --smoke            # seconds: that it runs

Runs what a user runs, one run folder per variant (resumable: a second call reuses finished
jobs): `experiments/make_photo_folder.py` (unless --photos is given), then for each variant
`rdbounds sandwich --source=images --data=PHOTOS/train --test=PHOTOS/test
--estimators=upper_bound` and `rdbounds codecs` on its run. The test photographs were used to
choose nothing. The variants:

  * old: the folder-trained spatial model (`--ub_pretrained=`, the training options of the
    default preset: 45k + 8k-step chain on the training photos);
  * new: the default, the pretrained variable-rate model in data/ (`--ub_pretrained=shipped`),
    each test photograph's posterior refined at each lambda.
  * NAME=FILE: another model file `experiments/train_photo_ub.py` wrote (`--ub_pretrained=FILE`),
    e.g. a candidate measured on a validation folder (`--photos=VALIDATION`) before it ships.

Prints, per variant, the upper bound's sweep seconds and the pooled BD-rate of each codec
against its points (positive: the codec needs that many more bits than the bound at equal
PSNR), then the same per test photograph with the mean over photographs and its standard
error (`rdbounds.codecs.per_image`).
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
flags.DEFINE_string("out", "runs/natural_images", "Output folder (one run folder per variant).")
flags.DEFINE_list("variants", ["old", "new"], "Upper bounds to compare: old, new, or "
                  "NAME=FILE for a model file experiments/train_photo_ub.py wrote.")
flags.DEFINE_list("codecs", ["jpeg", "webp", "avif", "heic"], "Codecs to compare with.")
flags.DEFINE_list("lambdas", None, "Multipliers; default: the image grid.")
flags.DEFINE_bool("smoke", False, "The smallest case (the quick preset, two lambdas, JPEG, on "
                  "two smooth synthetic 128x128 photographs per split): that the benchmark runs "
                  "(`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_VARIANTS = {"old": ["--ub_pretrained="], "new": ["--ub_pretrained=shipped"]}


def _bound_options(variant):
  """The sandwich options of one --variants entry (None for an unknown one)."""
  name, _, path = variant.partition("=")
  if path:
    return [f"--ub_pretrained={path}"] if name not in _VARIANTS else None
  return _VARIANTS.get(variant)


def _run(script, *arguments):
  command = [sys.executable, os.path.join(_ROOT, "experiments", script), *arguments]
  print("$", " ".join(command[1:]), flush=True)
  subprocess.run(command, check=True)


def _percent(value):
  return "n/a" if value is None or math.isnan(value) else f"{value:+.1f} %"


def pooled_row(variant, records, codecs):
  """`| variant | sweep s | BD-rate per codec |` against the learned upper bound's points."""
  learned = [r for r in records if r.estimator == "upper_bound" or r.estimator in codecs]
  against = report.bd_rates(learned)
  seconds = sum(r.seconds or 0 for r in records if r.estimator == "upper_bound")
  return f"| {variant} | {seconds:.0f} | " + " | ".join(
      _percent(against.get(c)) for c in codecs) + " |"


def per_image_rows(variant, points, codecs):
  """One row per (codec): each test photograph's BD-rate, then the mean ± SE."""
  learned = [p for p in points if p.estimator == "upper_bound" or p.estimator in codecs]
  rates = per_image.bd_rates(learned)
  rows = []
  for codec in codecs:
    summary = rates.get(codec)
    if summary is None:
      continue
    cells = [_percent(v) for v in summary.per_image.values()]
    mean = "n/a" if not summary.n else (
        f"{summary.mean:+.1f} % ± {summary.se:.1f}" if summary.n > 1 else f"{summary.mean:+.1f} %")
    rows.append(f"| {variant} | {codec} | {mean} | " + " | ".join(cells) + " |")
  return rows, (list(next(iter(rates.values())).per_image) if rates else [])


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
  photos = FLAGS.photos or os.path.join(FLAGS.out, "photos")
  if not FLAGS.photos:
    _run("make_photo_folder.py", f"--out={photos}")
  unknown = [v for v in FLAGS.variants if _bound_options(v) is None]
  if unknown:
    raise app.UsageError(f"--variants: unknown {', '.join(unknown)}; valid: old, new, "
                         "NAME=FILE")
  codec_names = ["jpeg"] if FLAGS.smoke else FLAGS.codecs
  codecs = [curves.CODEC_PREFIX + c for c in codec_names]
  lambdas = ["204800", "1843200"] if FLAGS.smoke else FLAGS.lambdas
  pooled = ["| upper bound | sweep s | " + " | ".join(codecs) + " |",
            "|---|---|" + "---|" * len(codecs)]
  by_image, files = [], []
  for spec in FLAGS.variants:
    variant = spec.partition("=")[0]
    run = os.path.join(FLAGS.out, variant)
    bound = ["--source=images", f"--data={os.path.join(photos, 'train')}",
             f"--test={os.path.join(photos, 'test')}", "--estimators=upper_bound",
             f"--preset={'quick' if FLAGS.smoke else 'default'}", f"--out={run}",
             *_bound_options(spec)]
    if lambdas:
      bound.append(f"--lambdas={','.join(lambdas)}")
    _run("sandwich.py", *bound)
    _run("codecs.py", f"--run={run}", f"--codecs={','.join(codec_names)}")
    records = curves.read_csv(os.path.join(run, "curves.csv"))
    pooled.append(pooled_row(variant, records, codecs))
    rows, files = per_image_rows(variant, held_out_points.read_run(run), codecs)
    by_image += rows
  print("\nPooled over the test photographs (pixel-weighted), BD-rate against the upper bound:")
  print("\n".join(pooled))
  print("\nPer test photograph:")
  print("| upper bound | codec | mean ± SE | " + " | ".join(files) + " |")
  print("|---|---|---|" + "---|" * len(files))
  print("\n".join(by_image))


if __name__ == "__main__":
  app.run(main)
