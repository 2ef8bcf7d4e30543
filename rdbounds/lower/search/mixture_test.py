"""The mixture's three evaluations against a float64 numpy reference."""

import numpy as np
import tensorflow as tf

from rdbounds.lower.search import mixture


def log_f_numpy(x, log_w, lmbda, y):
  """float64 reference: log sum_i exp(log_w_i - lambda |x_i - y|^2 / n) at `[T, n]` y."""
  x = np.asarray(x, np.float64)
  y = np.atleast_2d(np.asarray(y, np.float64))
  logits = np.asarray(log_w, np.float64)[None, :] - lmbda * (
      (x[None, :, :] - y[:, None, :])**2).mean(-1)
  top = logits.max(1, keepdims=True)
  return (top + np.log(np.exp(logits - top).sum(1, keepdims=True)))[:, 0]


class MixtureTest(tf.test.TestCase):

  def test_expanded_value_matches_float64_on_centred_samples(self):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5)).astype(np.float32)
    log_w = rng.normal(size=300).astype(np.float32)
    y = rng.normal(size=(7, 5)).astype(np.float32)
    for lmbda in (0.5, 20.0):
      got = mixture.log_values(x, log_w, lmbda / 5, y)
      self.assertAllClose(got, log_f_numpy(x, log_w, lmbda, y), atol=2e-5)

  def test_exact_value_keeps_large_lambda_far_from_the_origin(self):
    # Samples 0.01 apart around 300: at lambda = 1e5 the expanded float32 distances lose the
    # value entirely to cancellation; the float64 direct evaluation must not.
    rng = np.random.default_rng(1)
    x = (300.0 + 0.01 * rng.normal(size=(50, 2))).astype(np.float32)
    log_w = rng.normal(size=50).astype(np.float32)
    y = x[:3] + np.float32(0.002)
    lmbda = 1e5
    reference = log_f_numpy(x, log_w, lmbda, y)
    exact = mixture.exact_log_value(x, log_w, tf.constant(lmbda, tf.float64), y)
    self.assertAllClose(exact, reference, atol=1e-10, rtol=0)
    expanded = mixture.log_values(x, log_w, lmbda / 2, y)
    self.assertGreater(np.max(np.abs(expanded.numpy() - reference)), 1.0)

  def test_gradient_of_log_value_is_the_posterior_over_samples(self):
    # d log f / d log_w_i = r_i (softmax weights) and d log f / dy = 2 beta (m(y) - y).
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    log_w = tf.constant(rng.normal(size=40).astype(np.float32))
    y = tf.constant(rng.normal(size=3).astype(np.float32))
    lmbda = 6.0
    with tf.GradientTape(persistent=True) as tape:
      tape.watch([log_w, y])
      value = mixture.log_value(x, log_w, lmbda, y)
    logits = log_w.numpy().astype(np.float64) - lmbda * ((x - y.numpy())**2).mean(1)
    r = np.exp(logits - logits.max())
    r /= r.sum()
    self.assertAllClose(value, log_f_numpy(x, log_w.numpy(), lmbda, y.numpy()[None])[0],
                        atol=1e-5)
    self.assertAllClose(tape.gradient(value, log_w), r, atol=1e-6)
    self.assertAllClose(tape.gradient(value, y), 2 * lmbda / 3 * (r @ x - y.numpy()),
                        atol=1e-5)


if __name__ == "__main__":
  tf.test.main()
