"""What every binary shares: absl flags with one-line errors, help that exits 0, error exits.

    cli.run(main, "sandwich.py")

* `--help` (`-h`, `--helpshort`) prints the binary's own flags, `--helpfull` every flag
  (estimator options included); both exit 0.
* An unknown flag or an ill-typed value prints one line, `NAME: error: ...`, and exits 2, as do
  the errors `main` raises for bad input (`ValueError` and its subclasses, `FileNotFoundError`).
"""

import sys

from absl import flags

_SHORT_HELP = ("--help", "-h", "-?", "--helpshort")


def _parser(name):
  def parse(argv):
    if any(a in _SHORT_HELP for a in argv[1:]):
      print(flags.FLAGS.main_module_help())
      print("\nEstimator options: --helpfull")
      sys.exit(0)
    if "--helpfull" in argv[1:]:
      print(flags.FLAGS.get_help())
      sys.exit(0)
    try:
      return flags.FLAGS(argv)
    except flags.Error as e:
      print(f"{name}: error: {str(e).splitlines()[0]}", file=sys.stderr)
      sys.exit(2)
  return parse


def run(main, name: str) -> None:
  """Parses flags and runs `main(argv) -> exit code`, turning bad input into one line."""

  def guarded(argv):
    try:
      return main(argv)
    except (ValueError, FileNotFoundError) as e:
      print(f"{name}: error: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
            file=sys.stderr)
      return 2

  # Not absl's app.run: TensorFlow imported inside its `main` (after the flags are checked)
  # fails to create optimizer slots in compiled steps ("Tensor.op is undefined when eager
  # execution is enabled"; TF 2.14, absl 2.1).
  argv = _parser(name)(sys.argv)
  sys.exit(guarded(argv))
