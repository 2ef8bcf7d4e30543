"""When a start of the evaluation search stops, and how its over-relaxed steps are accepted.

Pure elementwise functions of a start's per-step quantities (all `[A]` tensors), so each rule
can be checked on inputs where the right answer is known.

What is proven and what is estimated:
  * `accepts`: proven. A plain mean-shift step never lowers the value (`mean_shift`), so an
    accepted value never decreases; only an extrapolated step can be rejected.
  * `remaining_gain`: an estimate. Near a non-degenerate mode, plain mean-shift contracts
    linearly, `m(y) - y* = rho (y - y*)`, and `log f(y) ~ log f* - beta (1 - rho) |y - y*|^2`,
    so the value still to gain is `moved / (1 - rho)` with `moved = beta |m(y) - y|^2`. The
    contraction between two accepted points, `q = sqrt(moved_t / moved_{t-1})`, equals
    `|1 - eta (1 - rho)|` for a step over-relaxed by eta, hence `1 - rho >= (1 - q) / eta` and
        remaining <= moved * eta / (1 - q).
    This is exact for a quadratic log f (`stopping_test`) and only asymptotic in general: far
    from a mode the contraction can change (e.g. a start slowing down near a saddle).
  * `converged`: a start whose estimated remaining gain is below `tol` nats is taken to be
    within `tol` of its mode (measured: `exhaustive_test`).
  * `hopeless` (pruning): a start whose value plus `margin` times its estimated remaining gain
    is below a value already attained elsewhere is stopped: it is estimated not to hold the
    sup. Not proven (the estimate is asymptotic); measured against searches without pruning
    at the preset k (`exhaustive_test`, the module docstring of `exhaustive`).
"""

import numpy as np
import tensorflow as tf

# Over-relaxation: the factor grows by this while steps are accepted, up to the cap.
ETA_GROWTH = 1.5
ETA_MAX = 16.0
# A step this far (relative to tol) below the tolerance ends a start even when its
# contraction cannot be measured (a float32 fixed point: moved = 0 forever after).
NEGLIGIBLE_STEP = 1e-3


def accepts(at_plain_image, log_value, reference_value):
  """Whether a proposal is accepted: it does not lower the value, or it is a plain image.

  A plain mean-shift image is accepted whatever float32 rounding says of its value: it never
  lowers the value, and rejecting it could send a start back onto itself forever.
  """
  return tf.logical_or(at_plain_image, log_value >= reference_value)


def next_eta(accepted, eta):
  """Over-relaxation factor of the next step: grows while accepted, 1 after a rejection."""
  return tf.where(accepted, tf.minimum(eta * ETA_GROWTH, ETA_MAX), tf.ones_like(eta))


def remaining_gain(moved, last_moved, eta):
  """Estimated value still to gain (nats): `moved * eta / (1 - q)`, q = sqrt(moved / last_moved).

  `inf` when the steps do not contract (q >= 1) or the contraction is unknown (no previous
  accepted step: last_moved = 0 gives q = inf).
  """
  contraction = tf.sqrt(moved / last_moved)
  return tf.where(contraction < 1.0, moved * eta / (1.0 - contraction),
                  tf.constant(np.inf, moved.dtype))


def converged(accepted, remaining, moved, tol):
  """Accepted, and estimated within `tol` nats of its mode (or its step below resolution)."""
  return tf.logical_and(accepted, tf.logical_or(remaining < tol, moved < NEGLIGIBLE_STEP * tol))


def hopeless(accepted, log_value, remaining, best_value, margin):
  """Accepted, and even `margin` times its estimated remaining gain stays below `best_value`.

  `margin = inf` never prunes (also where `remaining = 0`: inf * 0 is nan, which compares
  false).
  """
  return tf.logical_and(accepted, log_value + margin * remaining < best_value)
