"""The held-out evaluation against a brute-force numpy computation, batched and chunked."""

import numpy as np

from rdbounds.particles import evaluate
from rdbounds.particles import measure
from rdbounds.sources import make_source

LAMBDA = 12.0


def test_chunked_evaluation_equals_brute_force_numpy():
  source = make_source("deconvolution", dim=5, atoms=6, noise_std=0.4, seed=3)
  rng = np.random.default_rng(0)
  particles = source.atoms[rng.integers(0, 6, 23)] + 0.3 * rng.normal(size=(23, 5))
  log_weights = np.log(rng.dirichlet(np.ones(23)))
  nu = measure.ParticleMeasure(particles, log_weights)
  # 50 samples in batches of 16 (the last one short), 23 particles in chunks of 4.
  got = evaluate.evaluate(nu, source, LAMBDA, num_samples=50, batch_size=16, seed=9,
                          particle_chunk=4)

  x = np.concatenate([source.sample(n, seed=(9, i), split="test").numpy()
                      for i, n in enumerate([16, 16, 16, 2])]).astype(np.float64)
  y = nu.particles.numpy().astype(np.float64)
  log_nu = nu.log_weights.numpy().astype(np.float64)
  rho = np.sum((x[:, None] - y[None]) ** 2, axis=-1) / 5
  a = log_nu - LAMBDA * rho
  log_u = np.logaddexp.reduce(a, axis=1)
  q = np.exp(a - log_u[:, None])
  distortion = np.sum(q * rho, axis=1)
  rate = np.sum(q * (np.log(np.maximum(q, 1e-300)) - log_nu), axis=1)
  for moments, values in ((got.distortion, distortion), (got.rate, rate),
                          (got.lagrangian, -log_u)):
    assert moments.n == 50
    np.testing.assert_allclose(moments.mean, values.mean(), rtol=1e-10)
    np.testing.assert_allclose(moments.se, values.std(ddof=1) / np.sqrt(50), rtol=1e-7)
  np.testing.assert_allclose(got.lagrangian.mean, got.rate.mean + LAMBDA * got.distortion.mean,
                             rtol=1e-12)
  assert got.ceiling == -log_nu.min() and got.n_eval == 50
