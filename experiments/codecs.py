"""`rdbounds codecs` as a script: `python experiments/codecs.py --run=runs/gauss [--codecs=...]`.

Same flags and outputs as the installed command (rdbounds/cli/codecs.py defines them).
"""

import sys

from rdbounds.cli import main

if __name__ == "__main__":
  main.run_command("codecs", "codecs.py", sys.argv)
