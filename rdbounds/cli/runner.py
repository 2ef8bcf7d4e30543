"""What every subcommand shares: absl flags with one-line errors, help that exits 0, error exits.

    runner.run(module.main, "rdbounds sandwich", module.__name__, argv)

* `--help` (`-h`, `--helpshort`) prints the subcommand's own flags, `--helpfull` every flag
  (estimator options included); both exit 0.
* An unknown flag or an ill-typed value prints one line, `NAME: error: ...`, and exits 2, as do
  the errors `main` raises for bad input (`ValueError` and its subclasses, `FileNotFoundError`).
"""

import sys
from typing import Callable, Sequence

from absl import flags

_SHORT_HELP = ("--help", "-h", "-?", "--helpshort")


def _parse(name: str, module_name: str, argv: Sequence[str]) -> list:
  if any(a in _SHORT_HELP for a in argv[1:]):
    print(sys.modules[module_name].__doc__.strip() + "\n")
    print(flags.FLAGS.module_help(module_name))
    print("\nEstimator options: --helpfull")
    sys.exit(0)
  if "--helpfull" in argv[1:]:
    print(flags.FLAGS.get_help())
    sys.exit(0)
  try:
    return flags.FLAGS(list(argv))
  except flags.Error as e:
    print(f"{name}: error: {str(e).splitlines()[0]}", file=sys.stderr)
    sys.exit(2)


def run(main: Callable[[list], int], name: str, module_name: str, argv: Sequence[str]) -> None:
  """Parses `argv` (program name first) into the flags of `module_name` and the modules it
  uses, then exits with `main(remaining argv)`, bad input turned into one line and exit 2."""
  # Not absl's app.run: TensorFlow imported inside its `main` (after the flags are checked)
  # fails to create optimizer slots in compiled steps ("Tensor.op is undefined when eager
  # execution is enabled"; TF 2.14, absl 2.1).
  remaining = _parse(name, module_name, argv)
  try:
    code = main(remaining)
  except (ValueError, FileNotFoundError) as e:
    print(f"{name}: error: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
          file=sys.stderr)
    code = 2
  sys.exit(code)
