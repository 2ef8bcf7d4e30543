"""The Gibbs posterior: its closed forms match water-filling and Monte Carlo."""

import numpy as np
import pytest
import tensorflow as tf

from rdbounds import theory
from rdbounds.upper import config as ub_config
from rdbounds.upper import vector_bound as ub


def _gibbs_model(dim, lmbda, components=3, prior="gaussian_mixture"):
  config = ub.resolve(ub_config.UpperBoundConfig(
      posterior="gibbs", prior=prior, decoder=False, mixture_components=components), lmbda, dim)
  return ub.build_model(config, (dim,), seed=0, lmbda=lmbda)


def test_gibbs_posterior_with_the_optimal_prior_attains_gaussian_rd():
  # N(0, diag(v)): with the prior N(0, diag(v - theta)) the Gibbs channel is the
  # water-filling test channel, so every sample's rate and distortion average to R(D), D.
  variances = np.array([1.0, 0.5, 2.0])
  lmbda = 6.0
  theta = 3 / (2 * lmbda)  # below every variance
  model = _gibbs_model(3, lmbda, prior="gaussian")
  model.prior.loc.assign(np.zeros(3, np.float32))
  model.prior.scale.assign(np.sqrt(variances - theta).astype(np.float32))
  x = np.random.default_rng(0).standard_normal((50_000, 3)) * np.sqrt(variances)
  out = model(tf.constant(x, tf.float32), tf.constant([1, 2]))
  rd = theory.GaussianRD(variances)
  assert np.mean(out["distortion"]) == pytest.approx(theta, rel=1e-2)
  assert np.mean(out["rate"]) == pytest.approx(float(rd.rate(theta)), rel=1e-2)


def test_gibbs_rate_in_evaluation_is_the_per_sample_kl_to_float64_precision():
  # The optimal Gaussian test channel at lambda = 1e5: per sample, KL(q(.|x) || p) of
  # q = N(x s^2 / (s^2 + delta), s^2 delta / (s^2 + delta)) against p = N(0, s^2), in numpy
  # float64. Its closed form is a difference of two terms of ~20 nats that cancel to the
  # rate; float32 leaves errors near 1e-6 of them, the evaluation's float64 below 1e-12.
  variances = np.array([1.0, 0.5, 2.0])
  lmbda = 1e5
  delta = 3 / (2 * lmbda)
  model = _gibbs_model(3, lmbda, prior="gaussian")
  model.prior.loc.assign(np.zeros(3, np.float32))
  model.prior.scale.assign(np.sqrt(variances - delta).astype(np.float32))
  prior_var = np.square(model.prior.scale.numpy().astype(np.float64))
  x = (np.random.default_rng(1).standard_normal((1000, 3)) * np.sqrt(variances)).astype(
      np.float32)
  shrink = delta / (prior_var + delta)
  mean, var = x * (1 - shrink), prior_var * shrink
  kl = 0.5 * np.sum(np.log(prior_var / var) + (var + mean**2) / prior_var - 1, axis=1)
  exact = model(tf.constant(x), tf.constant([1, 2]), exact_rate=True)["rate"].numpy()
  assert np.max(np.abs(exact - kl)) < 2e-5  # float32 output: its last digit
  rough = model(tf.constant(x), tf.constant([1, 2]))["rate"].numpy()
  assert np.max(np.abs(rough - kl)) > 2 * np.max(np.abs(exact - kl))


def test_gibbs_closed_forms_match_monte_carlo_over_the_posterior():
  model = _gibbs_model(2, lmbda=3.0)
  # A mixture far from N(0, I), so the posteriors are genuinely multimodal for some x.
  model.prior.init_from_clusters([[-1.0, 0.0], [1.0, 0.5], [0.0, 2.0]],
                                 [[0.3, 0.6], [0.5, 0.2], [0.4, 0.4]], [0.5, 0.3, 0.2])
  x = tf.constant([[0.0, 0.2], [0.9, 0.4], [-2.0, 1.0], [0.1, 1.1]])
  out = model(x, tf.constant([0, 1]))
  q = model.posterior_distribution(x)
  z = q.sample(100_000, seed=tf.constant([3, 4]))                   # [S, B, 2]
  rho = tf.reduce_mean(tf.square(z - x), -1).numpy()
  log_ratio = (q.log_prob(z) - model.prior.distribution().log_prob(z)).numpy()
  for closed, samples in ((out["distortion"], rho), (out["rate"], log_ratio)):
    se = samples.std(0) / np.sqrt(samples.shape[0])
    assert np.all(np.abs(samples.mean(0) - closed.numpy()) < 5 * se + 1e-4), (
        samples.mean(0), closed.numpy(), se)


def test_gibbs_posterior_refuses_a_decoder_and_other_priors():
  with pytest.raises(ValueError, match="gibbs posterior needs --noub_decoder"):
    ub_config.UpperBoundConfig(posterior="gibbs", prior="gaussian_mixture", decoder=True)
  with pytest.raises(ValueError, match="Gaussian-mixture prior"):
    ub_config.UpperBoundConfig(posterior="gibbs", prior="maf", decoder=False)
