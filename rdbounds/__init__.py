"""rdbounds: sandwich bounds on the rate-distortion function R(D) from i.i.d. samples.

    import numpy as np, rdbounds
    x = np.random.default_rng(0).normal(size=(20000, 2))        # [N, n] samples
    result = rdbounds.sandwich(x, lambdas=[1, 3], preset="quick")
    print(result.records)         # upper-bound points (D, R) and lower-bound lines
    result.plot("sandwich.png")

Units: distortion is MSE per dimension, rates are nats per sample. `sandwich` runs the jobs
of the `rdbounds sandwich` command; `add_codecs` (and `add_points`, your own codec's
points), `reevaluate` and `load` those of `rdbounds codecs` (`--points`), `rdbounds evaluate`
and `rdbounds plot`. Importing the package does not
load TensorFlow; building a source does.
"""

from rdbounds.api.codecs import add_codecs
from rdbounds.api.evaluate import reevaluate
from rdbounds.api.points import add_points
from rdbounds.api.result import Result, load
from rdbounds.api.sandwich import sandwich

__all__ = ["sandwich", "add_codecs", "add_points", "reevaluate", "load", "Result"]
