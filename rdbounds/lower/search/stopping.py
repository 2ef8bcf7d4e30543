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
    from a mode the contraction can change (e.g. a start slowing down near a saddle). It
    also assumes `moved` is resolved: in float32 the rounding of the step blurs q on a top
    flatter than float32 resolves (exhaustive_test's `flat_top` at 1 - rho = 1e-4 stopped 4
    tol short in float32; its test runs in float64). Measured on `cases`' landscapes (k =
    1024, n = 2, 16, 256, two seeds each): float32 within 5e-9 nats of a float64 search that
    prunes nothing.
  * `converged`: a start whose estimated remaining gain is below `tol` nats is taken to be
    within `tol` of its mode (measured: `exhaustive_test`). No other rule ends a climb early:
    a small step alone says nothing, since on a flat top (contraction rho near 1) the gain
    still to come, `moved / (1 - rho)`, is many steps' worth (`exhaustive_test` builds one).
  * `fixed`: a start whose computed step returns its own position bit for bit (an isolated
    sample whose neighbours' kernels underflow, or a float32 fixed point) stops. Proven to
    lose nothing the search could still find: its next position `pos + eta (image - pos)` is
    `pos` for every eta, so every later step is the step of the same point again (its value
    is the candidate's). Its contraction is unmeasurable (`moved` stays 0), so `converged`
    alone would keep it running to `max_iterations` and fail the draw.
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


def converged(accepted, remaining, tol):
  """Accepted, and estimated within `tol` nats of its mode (`remaining_gain`)."""
  return tf.logical_and(accepted, remaining < tol)


def fixed(accepted, image, positions):
  """Accepted, and the step's image `[A, d]` equals its position `[A, d]` in every
  coordinate, so no later step can move it (module docstring)."""
  return tf.logical_and(accepted, tf.reduce_all(tf.equal(image, positions), axis=1))


def hopeless(accepted, log_value, remaining, best_value, margin):
  """Accepted, and even `margin` times its estimated remaining gain stays below `best_value`.

  `margin = inf` never prunes (also where `remaining = 0`: inf * 0 is nan, which compares
  false).
  """
  return tf.logical_and(accepted, log_value + margin * remaining < best_value)
