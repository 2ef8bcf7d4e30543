"""`rdbounds plot CSV [--out=PNG] [--units=bits]`: the R-D plot of an rdbounds CSV.

When a config.json from a sandwich run lies beside the CSV, the source is rebuilt from it so
that a closed-form R(D) is drawn as a smooth curve.
"""

import os
import sys

from absl import flags

from rdbounds.api import result as result_lib

flags.DEFINE_string("out", None, "Output PNG; default: the CSV's path with .png.")
flags.DEFINE_enum("units", "nats", ["nats", "bits"], "Rate units (vector sources).")
FLAGS = flags.FLAGS


def main(argv):
  if len(argv) != 2:
    raise ValueError("usage: plot CSV [--out=PNG] [--units=nats|bits]")
  csv_path = argv[1]
  if os.path.isdir(csv_path):
    csv_path = os.path.join(csv_path, "curves.csv")
  result = result_lib.load(csv_path, log=lambda line: print(line, file=sys.stderr))
  out = FLAGS.out or os.path.splitext(csv_path)[0] + ".png"
  result.plot(out, units=FLAGS.units)
  print(f"wrote {out}")
  return 0
