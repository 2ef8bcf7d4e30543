"""The search for C_k's maximizer: log sup_y of an isotropic Gaussian mixture in y.

  * `mixture`: the function searched, in float32 (fast) and float64 (what the bound uses);
  * `mean_shift`: one batched mean-shift step, in direct or Gram coordinates;
  * `stopping`: when a start stops (converged, pruned) and how over-relaxed steps are accepted;
  * `starts`: where the searches start;
  * `exhaustive`: the evaluation search (`find_mode`), from every sample;
  * `quick`: training's cheap search (`quick_mode`), from the most promising samples;
  * `options`: `SearchOptions` (no TensorFlow; flags are built from it);
  * `cases`: landscapes the search is tested and timed on.
"""

from rdbounds.lower.search.exhaustive import ModeSearchResult, find_mode
from rdbounds.lower.search.options import SearchOptions
from rdbounds.lower.search.quick import quick_mode
from rdbounds.lower.search.starts import EXHAUSTIVE, Starts
