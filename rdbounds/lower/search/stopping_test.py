"""The stopping rules on inputs whose right answer is known (a quadratic log f)."""

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds.lower.search import stopping


def quadratic_run(rho, eta, beta=2.0, error=0.3, steps=6):
  """A start on log f(y) = -beta (1 - rho) y^2 (mode 0, value 0), whose plain mean-shift map
  is m(y) = rho y, taking steps over-relaxed by `eta`.

  Returns per step t: (moved_t, moved_{t-1}, remaining gain -log f(y_t)).
  """
  y, moved, out = error, 0.0, []
  for _ in range(steps):
    step = rho * y - y
    new_moved = beta * step**2
    out.append((new_moved, moved, beta * (1 - rho) * y**2))
    moved = new_moved
    y += eta * step
  return np.array(out[1:], np.float32).T  # the first step has no contraction yet


class StoppingTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(0.5, 0.9, 0.99)
  def test_remaining_gain_is_exact_for_plain_steps_on_a_quadratic(self, rho):
    moved, last_moved, truth = quadratic_run(rho, eta=1.0)
    estimate = stopping.remaining_gain(moved, last_moved, tf.ones_like(moved))
    self.assertAllClose(estimate, truth, rtol=1e-3)

  @parameterized.parameters((0.9, 4.0), (0.9, 16.0), (0.99, 16.0), (0.5, 3.0), (0.98, 1.5))
  def test_remaining_gain_never_underestimates_over_relaxed_steps(self, rho, eta):
    # q = |1 - eta (1 - rho)|: exact while the step undershoots, an overestimate when it
    # overshoots the mode.
    moved, last_moved, truth = quadratic_run(rho, eta)
    estimate = stopping.remaining_gain(moved, last_moved, np.full_like(moved, eta)).numpy()
    self.assertAllGreaterEqual(estimate - truth * (1 - 1e-3), 0.0)
    if eta * (1 - rho) <= 1:
      self.assertAllClose(estimate, truth, rtol=1e-3)

  def test_remaining_gain_is_infinite_until_the_steps_contract(self):
    estimate = stopping.remaining_gain(tf.constant([1e-3, 1e-3, 1e-3]),
                                       tf.constant([0.0, 1e-3, 1e-4]), tf.ones(3))
    self.assertAllEqual(np.isinf(estimate), [True, True, True])

  def test_a_rejected_proposal_neither_converges_nor_is_pruned(self):
    accepted = tf.constant([False, True])
    remaining = tf.constant([0.0, 0.0])
    self.assertAllEqual(stopping.converged(accepted, remaining, 1e-7), [False, True])
    at = tf.zeros([2, 3])
    self.assertAllEqual(stopping.fixed(accepted, at, at), [False, True])
    self.assertAllEqual(
        stopping.hopeless(accepted, tf.constant([-5.0, -5.0]), remaining, 0.0, 10.0),
        [False, True])

  def test_pruning_compares_value_plus_margin_times_remaining_with_the_best(self):
    value = tf.constant([-1.0, -1.0, -1.0, -1.0])
    remaining = tf.constant([0.2, 0.3, np.inf, 0.0])
    pruned = stopping.hopeless(tf.ones(4, tf.bool), value, remaining, 0.0, 4.0)
    self.assertAllEqual(pruned, [True, False, False, True])
    # An infinite margin never prunes, not even at remaining = 0 (inf * 0 = nan).
    never = stopping.hopeless(tf.ones(4, tf.bool), value, remaining, 0.0, np.inf)
    self.assertAllEqual(never, [False] * 4)

  def test_a_tiny_step_on_a_flat_top_does_not_converge(self):
    # rho = 1 - 1e-5: the first step moves 1e-11 nats (1e-4 tol), the gain left is 1e-6
    # (10 tol). Until a second step measures the contraction, nothing may stop the start.
    moved, last_moved, truth = quadratic_run(1 - 1e-5, eta=1.0, error=1e-3, beta=1e5)
    self.assertLess(moved[0], 1e-3 * 1e-7)
    self.assertGreater(truth[0], 9 * 1e-7)
    first = stopping.converged(tf.constant([True]), stopping.remaining_gain(
        tf.constant([moved[0]]), tf.zeros(1), tf.ones(1)), 1e-7)
    self.assertAllEqual(first, [False])
    later = stopping.remaining_gain(moved, last_moved, tf.ones_like(moved))
    self.assertAllEqual(stopping.converged(tf.ones(len(moved), tf.bool), later, 1e-7),
                        [False] * len(moved))

  def test_only_a_step_that_returns_its_own_position_is_fixed(self):
    position = tf.constant([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    image = tf.constant([[1.0, 2.0], [1.0, 2.0000002], [1.0, 2.0]])
    self.assertAllEqual(stopping.fixed(tf.constant([True, True, False]), image, position),
                        [True, False, False])

  def test_plain_images_are_accepted_even_when_float32_says_lower(self):
    accepted = stopping.accepts(tf.constant([True, False, False]), tf.constant([0.9, 0.9, 1.1]),
                                tf.constant([1.0, 1.0, 1.0]))
    self.assertAllEqual(accepted, [True, False, True])

  def test_over_relaxation_grows_to_its_cap_and_restarts_after_a_rejection(self):
    eta = tf.ones(1)
    for _ in range(20):
      eta = stopping.next_eta(tf.constant([True]), eta)
    self.assertAllClose(eta, [stopping.ETA_MAX])
    self.assertAllClose(stopping.next_eta(tf.constant([False]), eta), [1.0])


if __name__ == "__main__":
  tf.test.main()
