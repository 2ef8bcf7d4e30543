"""Measures real codecs against a finished sandwich run and reports how far they are from it.

    python experiments/sandwich.py --source=gaussian --dim=2 --out=runs/gauss ...
    python experiments/codecs.py --run=runs/gauss                 # all codecs for the source
    python experiments/codecs.py --run=runs/gan --codecs=jpeg,webp

Rebuilds the source from RUN/config.json, runs the codecs (learned ones are trained at the
run's lambdas), replaces any earlier rows of those codecs in RUN/curves.csv by the new ones,
redraws RUN/curves.png, and prints and writes RUN/report.md: each codec point's distance to
the UB and LB envelopes (nats at equal D for vectors, dB PSNR at equal bpp for images) and
each codec's BD-rate against the UB envelope.
"""

import json
import os
import sys

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rdbounds import curves  # pylint: disable=g-import-not-at-top
from rdbounds import sources
from rdbounds.codecs import registry
from rdbounds.codecs import report

FLAGS = flags.FLAGS
flags.DEFINE_string("run", None, "A finished sandwich.py output folder (holds config.json).")
flags.DEFINE_list("codecs", None, f"Codecs to run; default: all that apply. Valid: {', '.join(registry.names())}.")
flags.DEFINE_string("preset", None, "quick | default | paper; default: the run's preset.")
flags.DEFINE_list("lambdas", None, "Multipliers for learned codecs; default: the run's lambdas.")
flags.DEFINE_integer("seed", 0, "Seed of codec training and of the held-out test draws.")


class CommandLineError(ValueError):
  pass


def _load_config(run_dir):
  path = os.path.join(run_dir, "config.json")
  if not os.path.isfile(path):
    raise CommandLineError(f"{path} not found: --run must be a finished sandwich.py output folder")
  try:
    with open(path) as f:
      config = json.load(f)
  except json.JSONDecodeError as e:
    raise CommandLineError(f"{path}: not valid JSON ({e})") from None
  if "source_options" not in config:
    raise CommandLineError(f"{path}: no source_options (not written by sandwich.py?)")
  return config


def run(argv):
  del argv
  log = lambda line: print(line, flush=True)
  if not FLAGS.run:
    raise CommandLineError("--run=DIR is required (a finished sandwich.py output folder)")
  config = _load_config(FLAGS.run)
  preset = FLAGS.preset or config.get("preset")
  if FLAGS.preset and FLAGS.preset not in registry.PRESETS:
    raise CommandLineError(f"--preset must be one of {', '.join(registry.PRESETS)}, got {FLAGS.preset!r}")
  try:
    lambdas = [float(l) for l in (FLAGS.lambdas or config.get("lambdas") or [])]
  except ValueError:
    raise CommandLineError(f"--lambdas must be numbers, got {','.join(FLAGS.lambdas)}") from None
  if any(not l > 0 for l in lambdas):
    raise CommandLineError("lambdas must be positive")
  source = sources.make_source(**config["source_options"])
  if FLAGS.codecs:
    names = registry.check_names(FLAGS.codecs, source)
  else:
    names = registry.applicable(source)
  learned = [n for n in names if n in ("ntc", "hyperprior")]
  if learned and not lambdas:
    raise CommandLineError(f"{', '.join(learned)} need lambdas (none in config.json; pass --lambdas)")
  log(f"{source.name}: codecs {', '.join(names)} ({preset or 'default'} preset) -> {FLAGS.run}")

  new = registry.run_codecs(source, names, lambdas, registry.options_for_preset(preset),
                            seed=FLAGS.seed, workdir=os.path.join(FLAGS.run, "codecs"), log=log)
  csv_path = os.path.join(FLAGS.run, "curves.csv")
  old = curves.read_csv(csv_path) if os.path.exists(csv_path) else []
  replaced = {curves.CODEC_PREFIX + n for n in names}
  records = [r for r in old if r.estimator not in replaced] + new
  curves.write_csv(csv_path, records)

  png = os.path.join(FLAGS.run, "curves.png")
  try:
    from rdbounds import plots  # pylint: disable=g-import-not-at-top
    units = config.get("flags", {}).get("units") or "nats"
    plots.plot_curves(records, png, source=source, units=units)
  except (ImportError, AttributeError) as e:
    log(f"warning: could not redraw {png} ({e})")

  text = report.markdown(records, source)
  curves.atomic_write_text(os.path.join(FLAGS.run, "report.md"), text)
  print(text)
  log(f"wrote {len(new)} codec rows to {csv_path}, {png} and {os.path.join(FLAGS.run, 'report.md')}")
  return 0


def main(argv):
  try:
    return run(argv)
  except (CommandLineError, ValueError, FileNotFoundError) as e:
    print(f"codecs.py: error: {e}", file=sys.stderr)
    return 2


if __name__ == "__main__":
  app.run(main)
