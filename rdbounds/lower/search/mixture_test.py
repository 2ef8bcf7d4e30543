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


def log_f_longdouble(x, log_w, beta, y):
  """`[T]` log f with direct differences in long double (64-bit significand on x86)."""
  x = np.asarray(x, np.longdouble)
  out = []
  for row in np.asarray(y, np.longdouble):
    logits = np.asarray(log_w, np.longdouble) - beta * ((x - row)**2).sum(1)
    top = logits.max()
    out.append(top + np.log(np.exp(logits - top).sum()))
  return np.array(out)


class MixtureTest(tf.test.TestCase):

  def test_expanded_value_matches_float64_on_centred_samples(self):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5)).astype(np.float32)
    log_w = rng.normal(size=300).astype(np.float32)
    y = rng.normal(size=(7, 5)).astype(np.float32)
    for lmbda in (0.5, 20.0):
      got = mixture.log_values(x, log_w, lmbda / 5, y)
      self.assertAllClose(got, log_f_numpy(x, log_w, lmbda, y), atol=2e-5)

  def test_rounding_error_stays_within_the_proven_bound(self):
    # float32 and float64 values by expansion against a reference with 11 more bits
    # (long double), on centred and far-from-centre samples, up to lambda = 1e5.
    rng = np.random.default_rng(1)
    for n, k, lmbda, offset in ((2, 500, 3.0, 0.0), (2, 500, 1e5, 0.0), (64, 300, 50.0, 0.0),
                                (3072, 64, 600.0, 0.0), (2, 200, 1e3, 30.0)):
      x = (offset + rng.normal(size=(k, n))).astype(np.float32)
      log_w = rng.normal(scale=3.0, size=k).astype(np.float32)
      y = (x[:8] + 0.3 * rng.normal(size=(8, n)) / np.sqrt(lmbda / n)).astype(np.float32)
      reference = log_f_longdouble(x, log_w, lmbda / n, y)
      for dtype in (tf.float32, tf.float64):
        beta = tf.constant(lmbda / n, dtype)
        value = mixture.log_values(tf.constant(x, dtype), tf.constant(log_w, dtype), beta,
                                   tf.constant(y, dtype))
        bound = mixture.value_error_bound(
            beta, np.linalg.norm(x, axis=1).max(), tf.norm(tf.constant(y, dtype), axis=1),
            np.abs(log_w).max(), value, n, k, dtype).numpy()
        error = np.abs(value.numpy() - reference).astype(np.float64)
        self.assertTrue(np.all(error <= bound), f"n={n} lambda={lmbda} {dtype.name}: "
                        f"errors {error} above their bounds {bound}")

  def test_error_bound_is_small_where_the_search_runs_in_float32(self):
    # At moderate lambda on centred unit-scale samples the float32 bound is well under the
    # search's float32 threshold (3e-2 nats), and grows with beta |x|^2.
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4096, 2))
    def bound(lmbda):
      return float(mixture.value_error_bound(
          lmbda / 2, np.linalg.norm(x, axis=1).max(),
          tf.constant([np.linalg.norm(x, axis=1).max()]), 8.0, tf.constant([1.0], tf.float64),
          2, 4096, tf.float32)[0])
    self.assertLess(bound(3.0), 3e-4)
    self.assertGreater(bound(1e4), 100 * bound(3.0))

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
