"""`rdbounds plot` as a script: `python experiments/plot.py OUT/curves.csv [--out=PNG] [--units=bits]`.

Same flags and outputs as the installed command (rdbounds/cli/plot.py defines them).
"""

import sys

from rdbounds.cli import main

if __name__ == "__main__":
  main.run_command("plot", "plot.py", sys.argv)
