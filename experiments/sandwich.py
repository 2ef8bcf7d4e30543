"""`rdbounds sandwich` as a script: the demo (`make demo`) and every sandwich run.

    python experiments/sandwich.py                          # the demo: banana, BA + UB + LB
    python experiments/sandwich.py --source=gaussian --dim=2 --lambdas=1,3,10 --out=runs/gauss

Same flags and outputs as the installed command (rdbounds/cli/sandwich.py defines them).
"""

import sys

from rdbounds.cli import main

if __name__ == "__main__":
  main.run_command("sandwich", "sandwich.py", sys.argv)
