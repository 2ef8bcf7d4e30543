"""`rdbounds SUBCOMMAND [--flags]`: the installed command (console script `rdbounds`)."""

import importlib
import os
import sys
from typing import Optional, Sequence

from rdbounds.cli import runner

# Subcommand -> what it does (each is a module of this package with `main(argv)`).
COMMANDS = {
    "sandwich": "trace sandwich bounds on R(D): references, upper and lower bounds, codecs",
    "codecs": "add real codecs (or your own codec's points) to a finished run and report them",
    "evaluate": "evaluate a finished run's trained models again, with other settings",
    "plot": "draw the R-D plot of a run's CSV",
}


def usage() -> str:
  lines = ["usage: rdbounds SUBCOMMAND [--flags]   (rdbounds SUBCOMMAND --help lists them)", ""]
  lines += [f"  {name:9s} {what}" for name, what in COMMANDS.items()]
  return "\n".join(lines)


def run_command(command: str, name: str, argv: Sequence[str]) -> None:
  """Runs subcommand `command` with `argv` (program name first); errors start with `name`."""
  # Keep TF's C++ logging and oneDNN notices out of the way of the progress lines.
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  module = importlib.import_module(f"rdbounds.cli.{command}")
  runner.run(module.main, name, module.__name__, argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
  argv = list(sys.argv if argv is None else argv)
  if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
    print(usage(), file=sys.stdout if len(argv) >= 2 else sys.stderr)
    sys.exit(0 if len(argv) >= 2 else 2)
  if argv[1] not in COMMANDS:
    print(f"rdbounds: error: unknown subcommand {argv[1]!r}; valid: {', '.join(COMMANDS)}",
          file=sys.stderr)
    sys.exit(2)
  name = f"rdbounds {argv[1]}"
  run_command(argv[1], name, [name] + argv[2:])


if __name__ == "__main__":
  main()
