"""`rdbounds codecs`: real codecs added to a finished sandwich run, measured against its bounds.

    rdbounds sandwich --source=gaussian --dim=2 --out=runs/gauss ...
    rdbounds codecs --run=runs/gauss                 # all codecs for the source
    rdbounds codecs --run=runs/gan --codecs=jpeg,webp,avif,heic
    rdbounds codecs --run=runs/photos --points=mine.csv    # your own codec's points

Plans the codecs' jobs for the run's source, preset, lambdas and seed, runs them like any job
(resumable, keyed by their config), merges RUN/curves.csv, redraws RUN/curves.png and writes
RUN/report.md (`rdbounds.add_codecs` says what is in it). The same rows come from
`rdbounds sandwich --estimators=...,codec:jpeg`. With `--points` (and no `--codecs`) it adds
only the points of your own codec, measured outside rdbounds (`rdbounds.add_points`; the
columns: docs/codecs.md); a malformed file is refused in one line naming its row, before
anything is written.
"""

import os

from absl import flags

from rdbounds import estimators
from rdbounds.api import codecs as codecs_lib
from rdbounds.api import points as points_lib

FLAGS = flags.FLAGS
flags.DEFINE_string("run", None, "A finished sandwich output folder (holds config.json).")
flags.DEFINE_list("codecs", None, f"Codecs to run; default: all that apply. Valid: "
                  f"{', '.join(codecs_lib.codec_names())}.")
flags.DEFINE_enum("preset", None, list(estimators.PRESET_NAMES), "Codec presets; default: the run's preset.")
flags.DEFINE_list("lambdas", None, "Multipliers of learned codecs; default: the run's lambdas.")
flags.DEFINE_string("dask", None, "Run jobs on Dask: local:N or tcp://HOST:PORT.")
flags.DEFINE_string("points", None, "A CSV of your own codec's points: codec, setting, image, "
                    "bpp, psnr_db (photo folder runs) or codec, setting, rate_nats, distortion "
                    "(other runs). Without --codecs, no built-in codec runs.")


def main(argv):
  if len(argv) > 1:
    raise ValueError(f"unexpected arguments {' '.join(argv[1:])} (flags are --name=value)")
  if not FLAGS.run:
    raise ValueError("--run=DIR is required (a finished sandwich output folder)")
  try:
    lambdas = [float(l) for l in FLAGS.lambdas or []]
  except ValueError:
    raise ValueError(f"--lambdas must be numbers, got {','.join(FLAGS.lambdas)}") from None
  unknown = [n for n in FLAGS.codecs or [] if n not in codecs_lib.codec_names()]
  if unknown:  # Before the points are added.
    raise ValueError(f"unknown codec(s) {', '.join(unknown)}; valid: "
                     f"{', '.join(codecs_lib.codec_names())}")
  log = lambda line: print(line, flush=True)
  if FLAGS.points:
    # First, so that a malformed file stops the command before any codec runs.
    result = points_lib.add_points(FLAGS.run, FLAGS.points, log=log)
  if FLAGS.codecs or not FLAGS.points:
    result = codecs_lib.add_codecs(FLAGS.run, codecs=FLAGS.codecs, preset=FLAGS.preset,
                                   lambdas=lambdas or None, dask=FLAGS.dask, log=log)
  print(result.report)
  log(f"wrote {os.path.join(FLAGS.run, 'curves.csv')}, {os.path.join(FLAGS.run, 'curves.png')} "
      f"and {os.path.join(FLAGS.run, 'report.md')}")
  return 1 if result.failed else 0
