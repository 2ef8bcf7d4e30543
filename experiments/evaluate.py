"""`rdbounds evaluate` as a script: `python experiments/evaluate.py --run=DIR --lb_eval_k=16384`.

Same flags and outputs as the installed command (rdbounds/cli/evaluate.py defines them).
"""

import sys

from rdbounds.cli import main

if __name__ == "__main__":
  main.run_command("evaluate", "evaluate.py", sys.argv)
