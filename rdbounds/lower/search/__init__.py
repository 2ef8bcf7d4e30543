"""The search for C_k's maximizer: log sup_y of an isotropic Gaussian mixture in y.

  * `mixture`: the function searched, and the proven bound on its rounding error;
  * `mean_shift`: one batched mean-shift step, in direct or Gram coordinates;
  * `stopping`: when a start stops (converged, pruned) and how over-relaxed steps are accepted;
  * `starts`: where the searches start;
  * `exhaustive`: the evaluation search (`find_mode`), from every sample;
  * `quick`: training's cheap search (`quick_mode`), from the most promising samples;
  * `spread`: where the evaluation search's climbs run (this process, or Dask workers);
  * `options`: `SearchOptions` (no TensorFlow; flags are built from it);
  * `cases`: landscapes the search is tested and timed on.

The names below load their modules on first use, so that `options` (imported by the
configuration, before flags are checked) does not load TensorFlow.
"""

import importlib

_LAZY = {
    "ModeSearchResult": "exhaustive", "find_mode": "exhaustive",
    "SearchOptions": "options",
    "quick_mode": "quick",
    "EXHAUSTIVE": "starts", "Starts": "starts",
}


def __getattr__(name):
  if name in _LAZY:
    return getattr(importlib.import_module(f"rdbounds.lower.search.{_LAZY[name]}"), name)
  raise AttributeError(f"module 'rdbounds.lower.search' has no attribute {name!r}")
