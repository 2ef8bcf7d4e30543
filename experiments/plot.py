"""Draws the R-D plot of an rdbounds CSV.

    python experiments/plot.py runs/demo/curves.csv [--out=plot.png] [--units=bits]

When a config.json from sandwich.py lies beside the CSV, the source is rebuilt from it so
that a closed-form R(D) is drawn as a smooth curve.
"""

import json
import os
import sys

from absl import flags

import cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rdbounds import curves  # pylint: disable=g-import-not-at-top
from rdbounds import plots
from rdbounds import sources

flags.DEFINE_string("out", None, "Output PNG; default: the CSV's path with .png.")
flags.DEFINE_enum("units", "nats", ["nats", "bits"], "Rate units (vector sources).")
FLAGS = flags.FLAGS


def _source_beside(csv_path):
  config_path = os.path.join(os.path.dirname(os.path.abspath(csv_path)), "config.json")
  if not os.path.exists(config_path):
    return None
  try:
    with open(config_path) as f:
      return sources.make_source(**json.load(f)["source_options"])
  except (ValueError, KeyError, OSError) as e:
    print(f"plot.py: note: drawing without the source of {config_path} ({e})", file=sys.stderr)
    return None


def main(argv):
  if len(argv) != 2:
    raise ValueError("usage: plot.py CSV [--out=PNG] [--units=nats|bits]")
  csv_path = argv[1]
  if not os.path.isfile(csv_path):
    raise ValueError(f"{csv_path}: no such file")
  records = curves.read_csv(csv_path)
  out = FLAGS.out or os.path.splitext(csv_path)[0] + ".png"
  plots.plot_curves(records, out, source=_source_beside(csv_path), units=FLAGS.units)
  print(f"wrote {out}")
  return 0


if __name__ == "__main__":
  cli.run(main, "plot.py")
