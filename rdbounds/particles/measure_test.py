"""The particle measure's BA quantities: the blocked float32 training statistics against a
float64 reference with direct differences, and the Wasserstein gradient against autodiff."""

import math

import numpy as np
import tensorflow as tf

from rdbounds.particles import measure

# Magnitudes of the deconvolution sources (coordinates up to ~4, n = 8) at a large lambda,
# where the expansion |x|^2 - 2 x.y + |y|^2 cancels most.
N, LAMBDA = 8, 44.0


def _problem(seed=0, p=37, batch=50):
  rng = np.random.default_rng(seed)
  particles = rng.uniform(-3, 3, size=(p, N))
  x = particles[rng.integers(0, p, batch)] + 0.3 * rng.normal(size=(batch, N))
  log_weights = np.log(rng.dirichlet(np.ones(p)))
  return x, particles, log_weights


def _reference(x, particles, log_weights):
  """float64 L_BA pieces from direct differences."""
  rho = np.sum((x[:, None, :] - particles[None, :, :])**2, axis=-1) / N
  a = log_weights[None, :] - LAMBDA * rho
  log_u = np.logaddexp.reduce(a, axis=1)
  q = np.exp(a - log_u[:, None])
  return log_u, q, rho


def test_blocked_statistics_match_float64_reference():
  x, particles, log_weights = _problem()
  log_u, q, rho = _reference(x, particles, log_weights)
  # Blocks of 7 rows: seven full blocks and a partial one.
  stats = measure.ba_statistics(tf.constant(x, tf.float32), tf.constant(particles, tf.float32),
                                tf.constant(log_weights, tf.float32), LAMBDA, rows=7)
  np.testing.assert_allclose(stats["loss"], -log_u.mean(), rtol=2e-5)
  np.testing.assert_allclose(stats["distortion"], np.sum(q * rho) / len(x), rtol=1e-3)
  np.testing.assert_allclose(stats["responsibility"], q.mean(axis=0), atol=1e-5)
  pull = (q / np.exp(log_weights)[None, :]).T  # r_j(x), [p, B]
  gradient = 2 * LAMBDA / N * (pull.sum(1)[:, None] * particles - pull @ x) / len(x)
  np.testing.assert_allclose(stats["wasserstein_gradient"], gradient,
                             atol=1e-4 * np.abs(gradient).max())


def test_wasserstein_gradient_is_euclidean_gradient_over_weight():
  x, particles, log_weights = _problem(seed=1, p=5, batch=40)
  y = tf.Variable(particles)
  with tf.GradientTape() as tape:
    rho = tf.reduce_sum(tf.square(x[:, None, :] - y[None, :, :]), axis=-1) / N
    loss = -tf.reduce_mean(tf.reduce_logsumexp(log_weights[None, :] - LAMBDA * rho, axis=1))
  euclidean = tape.gradient(loss, y).numpy()
  stats = measure.ba_statistics(tf.constant(x, tf.float32), tf.constant(particles, tf.float32),
                                tf.constant(log_weights, tf.float32), LAMBDA, rows=16)
  np.testing.assert_allclose(stats["wasserstein_gradient"],
                             euclidean / np.exp(log_weights)[:, None],
                             atol=1e-4 * np.abs(euclidean / np.exp(log_weights)[:, None]).max())


def test_streamed_float64_moments_match_direct_differences():
  # Far from the origin (|x| ~ 60), where float32 expansions would lose ~1e-3 nats per sample.
  x, particles, log_weights = _problem(seed=2)
  x, particles = x + 20.0, particles + 20.0
  log_u, q, rho = _reference(x, particles, log_weights)
  got_log_u, got_distortion = measure.encoder_moments(
      tf.constant(x), tf.constant(particles), tf.constant(log_weights), LAMBDA,
      particle_chunk=5)  # 7 full chunks and a partial one
  distortion = np.sum(q * rho, axis=1)
  kl = np.sum(q * (np.log(np.maximum(q, 1e-300)) - log_weights[None, :]), axis=1)
  np.testing.assert_allclose(got_log_u, log_u, rtol=0, atol=1e-9)
  np.testing.assert_allclose(got_distortion, distortion, rtol=0, atol=1e-10)
  # The rate is the difference -log u - lambda D of numbers ~100 times larger.
  np.testing.assert_allclose(-got_log_u - LAMBDA * got_distortion, kl, rtol=0, atol=1e-8)
  # Per-sample rates stay below the ceiling max_j ln(1 / nu_j) (the float32 weights' own), which
  # exceeds ln p for these uneven weights; a sample sitting on the lightest particle reaches it.
  ceiling = measure.ParticleMeasure(particles, log_weights).ceiling_nats()
  assert ceiling > math.log(len(particles)) + 1
  assert ceiling - 1e-3 < kl.max() <= ceiling + 1e-6
