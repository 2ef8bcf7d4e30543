"""The beta-VAE upper bound's model: priors, posteriors, KL, validation, resume; the Gibbs
posterior's closed forms against water-filling and Monte Carlo."""

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
from absl.testing import parameterized

from rdbounds import estimators
from rdbounds import theory
from rdbounds import training
from rdbounds.sources import ArraySource, GaussianSource
from rdbounds.upper import config as ub_config
from rdbounds.upper import vector_bound as ub
from rdbounds.upper import model as model_lib
from rdbounds.upper import priors as priors_lib

tfd = tfp.distributions


def tiny_config(**overrides):
  # The beta-VAE (the class defaults), not whatever model the quick preset runs.
  return ub_config.UpperBoundConfig().override(
      **dict(dict(widths=(8,), steps=20, batch=32, eval_samples=2000, eval_batch=1000,
                  flow_layers=1, flow_hidden_units=(8,), mixture_components=3,
                  checkpoint_every=10, log_every=10, steps_per_call=5), **overrides))


class KLTest(tf.test.TestCase):

  def test_closed_form_kl_matches_formula_and_monte_carlo(self):
    config = ub.resolve(tiny_config(prior="gaussian"), 1.0, 3)
    model = ub.build_model(config, (3,), seed=1)
    # Move the learned prior away from N(0, I) so the test is not a special case.
    model.prior.loc.assign([0.3, -0.5, 1.0])
    model.prior.scale.assign([0.7, 1.5, 2.0])
    x = GaussianSource.standard(3).sample(5, seed=0)
    out = model(x, seed=tf.constant([1, 2]))
    self.assertTrue(model.closed_form_kl)

    q = model.posterior_distribution(x).distribution  # Normal, batch [5, 3]
    mu_q, s_q = q.loc.numpy(), q.scale.numpy()
    mu_p, s_p = model.prior.loc.numpy(), model.prior.scale.numpy()
    formula = np.sum(np.log(s_p / s_q) + (s_q**2 + (mu_q - mu_p)**2) / (2 * s_p**2) - 0.5, -1)
    self.assertAllClose(out["rate"], formula, rtol=1e-4, atol=1e-5)

    # One-sample estimates log q - log p, averaged over many draws, converge to the KL.
    n = 200_000
    posterior = model.posterior_distribution(x)
    z = posterior.sample(n, seed=tf.constant([3, 4]))  # [n, 5, 3]
    log_ratio = (posterior.log_prob(z) - model.prior.distribution().log_prob(z)).numpy()
    mc, se = log_ratio.mean(0), log_ratio.std(0) / np.sqrt(n)
    self.assertTrue(np.all(np.abs(mc - formula) < 4 * se + 1e-6), (mc, formula, se))

  def test_mc_rate_is_unbiased_for_a_non_gaussian_prior_family(self):
    # Same posterior, mixture prior with one component: a Gaussian in disguise, so the
    # one-sample MC path must average to the closed form.
    x = GaussianSource.standard(2).sample(4, seed=0)
    config = ub.resolve(tiny_config(prior="gaussian_mixture", mixture_components=1), 1.0, 2)
    model = ub.build_model(config, (2,), seed=0)
    self.assertFalse(model.closed_form_kl)
    q = model.posterior_distribution(x)
    p = model.prior.distribution()
    comp = p.components_distribution
    gauss = tfd.MultivariateNormalDiag(comp.loc[0], comp.scale.diag[0])
    exact = tfd.kl_divergence(tfd.MultivariateNormalDiag(q.distribution.loc, q.distribution.scale),
                              gauss).numpy()
    # Tiling x draws an independent posterior sample per copy, all in one batch.
    draws = 20_000
    rates = model(tf.tile(x, [draws, 1]), tf.constant([5, 6]))["rate"].numpy().reshape(draws, 4)
    mc, se = rates.mean(0), rates.std(0) / np.sqrt(draws)
    self.assertTrue(np.all(np.abs(mc - exact) < 4 * se + 1e-6), (mc, exact, se))


class ModelTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      ("gaussian", prior) for prior in priors_lib.PRIORS)
  def test_gaussian_posterior_with_every_prior(self, posterior, prior):
    self._check(posterior, prior)

  @parameterized.parameters(*priors_lib.FACTORIZED_PRIORS)
  def test_uniform_posterior_with_factorized_priors(self, prior):
    model = self._check("uniform", prior)
    x = GaussianSource.standard(2).sample(64, seed=3)
    hard = model.hard_rounding(x)
    # A rounded latent has a probability mass <= 1 under the noisy prior: rate >= 0.
    self.assertAllGreaterEqual(hard["rate"], -1e-4)
    self.assertEqual(hard["distortion"].shape, (64,))

  def _check(self, posterior, prior):
    config = ub.resolve(tiny_config(posterior=posterior, prior=prior, latent_dim=3), 1.0, 2)
    model = ub.build_model(config, (2,), seed=0)
    x = GaussianSource.standard(2).sample(64, seed=0)
    out = model(x, seed=tf.constant([0, 1]))
    self.assertEqual(out["rate"].shape, (64,))
    self.assertEqual(out["distortion"].shape, (64,))
    self.assertEqual(out["y"].shape, (64, 2))
    self.assertAllEqual(np.isfinite(out["rate"]), np.ones(64, bool))
    self.assertAllClose(out["distortion"], np.mean((x.numpy() - out["y"].numpy())**2, -1),
                        rtol=1e-5)
    self.assertNotEmpty(model.trainable_variables)
    return model

  def test_no_decoder_reconstructs_with_the_latent(self):
    config = ub.resolve(tiny_config(decoder=False), 1.0, 2)
    model = ub.build_model(config, (2,), seed=0)
    self.assertIsNone(model.decoder)
    out = model(tf.zeros([3, 2]), seed=tf.constant([0, 0]))
    self.assertAllClose(out["y"], out["z"])


class ValidationTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      ("negative_lambda", {}, -1.0, "lambda"),
      ("nan_lambda", {}, float("nan"), "lambda"),
      ("zero_latent", {"latent_dim": 0}, 1.0, "latent_dim"),
      ("unknown_prior", {"prior": "vamp"}, 1.0, "one of standard_gaussian, gaussian"),
      ("unknown_posterior", {"posterior": "laplace"}, 1.0, "one of gaussian, uniform"),
      ("uniform_with_flow", {"posterior": "uniform", "prior": "maf"}, 1.0, "factorized"),
      ("no_decoder_wrong_size", {"decoder": False, "latent_dim": 3}, 1.0, "equal the source"),
      ("zero_width", {"widths": [0]}, 1.0, "widths"),
      ("zero_batch", {"batch": 0}, 1.0, "batch"),
      ("bad_lr", {"lr": 0.0}, 1.0, "lr"),
  )
  def test_bad_hyper_parameters_raise(self, overrides, lmbda, message):
    with self.assertRaisesRegex(ValueError, message):
      ub.resolve(tiny_config(**overrides), lmbda, 2)

  def test_estimator_rejects_bad_lambda_and_unknown_options(self):
    est = estimators.get("upper_bound")
    with self.assertRaisesRegex(ValueError, "unknown option.*prior_name"):
      est.config("quick", prior_name="gaussian")
    job = estimators.Job("upper_bound", -3.0, 0, tiny_config(),
                         GaussianSource.standard(2).spec)
    with self.assertRaisesRegex(ValueError, "lambda"):
      est(GaussianSource.standard(2), job, estimators.JobContext())

  @parameterized.parameters("quick", "default", "paper")
  def test_presets_are_valid_and_build(self, preset):
    config = ub.resolve(estimators.get("upper_bound").config(preset), 1.0, 2)
    model = ub.build_model(config, (2,), lmbda=1.0)
    self.assertEqual(model.latent_shape, (2,))
    self.assertEqual(model.prior.name, config.prior)

  def test_make_prior_unknown_name(self):
    with self.assertRaisesRegex(ValueError, "unknown prior 'x'; valid: standard_gaussian"):
      priors_lib.make_prior("x", (2,))


class EvaluationTest(tf.test.TestCase):

  def test_finite_source_is_evaluated_on_its_whole_test_split(self):
    rng = np.random.default_rng(0)
    train = os.path.join(self.get_temp_dir(), "train.npy")
    test = os.path.join(self.get_temp_dir(), "test.npy")
    np.save(train, rng.standard_normal((500, 2)).astype(np.float32))
    np.save(test, rng.standard_normal((1234, 2)).astype(np.float32))
    source = ArraySource(train, test)
    config = tiny_config(eval_batch=500)  # 3 batches, the last one partial.
    _, _, ev = ub.train_and_evaluate(source, config, 1.0, seed=0, log=lambda line: None)
    self.assertEqual(ev.n_eval, 1234)
    self.assertTrue(np.isfinite(ev.rate.mean) and ev.rate.se > 0)


class _Interrupt(Exception):
  pass


class ResumeTest(tf.test.TestCase):

  @pytest.mark.slow  # an end-to-end run of tens of seconds: `make test-slow` (CI runs it)
  def test_stopped_and_resumed_run_equals_uninterrupted_run(self):
    # NTC with a deep factorized prior: the state with the most kinds of variables.
    config = tiny_config(posterior="uniform", prior="deep_factorized", steps=40)
    source = GaussianSource(np.zeros(2), [2.0, 0.5])
    root = self.get_temp_dir()

    def weights(model):
      # tf.Module lists variables in a fixed attribute order (Keras names differ per model).
      return [v.numpy() for v in model.variables]

    straight, _, _ = ub.train_and_evaluate(source, config, 2.0, seed=3,
                                           workdir=os.path.join(root, "a"), log=lambda line: None)

    def crash_at_20(line):
      if "step 20/" in line:
        raise _Interrupt(line)

    with self.assertRaises(_Interrupt):
      ub.train_and_evaluate(source, config, 2.0, seed=3, workdir=os.path.join(root, "b"),
                            log=crash_at_20)
    lines = []
    resumed, result, _ = ub.train_and_evaluate(source, config, 2.0, seed=3,
                                               workdir=os.path.join(root, "b"), log=lines.append)
    self.assertEqual(result.resumed_from, 20)
    self.assertTrue(any("resumed from checkpoint at step 20" in line for line in lines))
    self.assertLen(weights(resumed), len(weights(straight)))
    for a, b in zip(weights(straight), weights(resumed)):
      self.assertAllClose(a, b, rtol=1e-5, atol=1e-6)
    self.assertEqual(result.steps, 40)

  def test_divergence_stops_with_a_clear_message(self):
    config = tiny_config(lr=1e30, steps=20)
    source = GaussianSource(np.zeros(2), [1e3, 1e3])
    with self.assertRaisesRegex(training.TrainingDiverged, "non-finite"):
      ub.train_and_evaluate(source, config, 1e6, seed=0, log=lambda line: None)


def _gibbs_model(dim, lmbda, components=3, prior="gaussian_mixture"):
  config = ub.resolve(ub_config.UpperBoundConfig(
      posterior="gibbs", prior=prior, decoder=False, mixture_components=components), lmbda, dim)
  return ub.build_model(config, (dim,), seed=0, lmbda=lmbda)


class GibbsPosteriorTest(tf.test.TestCase):

  def test_gibbs_posterior_with_the_optimal_prior_attains_gaussian_rd(self):
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

  def test_gibbs_closed_forms_match_monte_carlo_over_the_posterior(self):
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

  def test_gibbs_rate_in_evaluation_is_the_per_sample_kl_to_float64_precision(self):
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

  def test_gibbs_posterior_refuses_a_decoder_and_other_priors(self):
    with pytest.raises(ValueError, match="gibbs posterior needs --noub_decoder"):
      ub_config.UpperBoundConfig(posterior="gibbs", prior="gaussian_mixture", decoder=True)
    with pytest.raises(ValueError, match="Gaussian-mixture prior"):
      ub_config.UpperBoundConfig(posterior="gibbs", prior="maf", decoder=False)


if __name__ == "__main__":
  tf.test.main()
