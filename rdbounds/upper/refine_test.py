"""Refining a held-out image's posterior: the optimum it reaches, and what it buys."""

import dataclasses
import os

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from rdbounds import estimators
from rdbounds.sources import images
from rdbounds.upper import refine
from rdbounds.upper import spatial
from rdbounds.upper import spatial_bound
from rdbounds.upper import spatial_test
from rdbounds.upper import tradeoff
from rdbounds.upper import whole_images

tfd = tfp.distributions


class _IdentityGaussianModel(tf.Module):
  """y = z on the image's own grid (stride 1), prior N(0, 1) per value, posterior started at
  N(0, softplus(0)^2): the optimal posterior per value has a closed form."""
  stride = 1

  def encode(self, x):
    return tf.zeros_like(x), tf.zeros_like(x)

  def rate_and_reconstruction(self, mu, raw_sigma, seed):
    sigma = spatial.posterior_scale(raw_sigma)
    z = mu + sigma * tf.random.stateless_normal(tf.shape(mu), seed)
    log_ratio = tfd.Normal(mu, sigma).log_prob(z) - tfd.Normal(0.0, 1.0).log_prob(z)
    return {"rate": tf.reduce_sum(log_ratio, [1, 2, 3]), "y": z}


class RefinePosteriorTest(tf.test.TestCase):

  def test_reaches_the_closed_form_posterior_and_frees_the_padding(self):
    # Per value, rate + lambda_px * pixels * MSE is KL(N(mu, s^2) || N(0, 1)) + a E(x - z)^2
    # with a = lambda_px / C (the MSE averages the C channels), minimized by
    # s^2 = 1 / (1 + 2a) and mu = 2a x / (1 + 2a): with lambda_px = 6, a = 2, s^2 = 0.2 and
    # mu = 0.8 x. Rows 8-9 pad the 8-row image: the distortion does not see them, so their
    # posterior must return to the prior N(0, 1). A lambda taken per value instead of per
    # pixel (a = 6) would give s^2 = 1/13.
    image = np.random.default_rng(0).uniform(size=[1, 8, 6, 3]).astype(np.float32)
    padded = tf.constant(np.concatenate([image, np.zeros([1, 2, 6, 3], np.float32)], axis=1))
    mu, raw_sigma = refine.refine_posterior(
        _IdentityGaussianModel(), padded, 8, 6,
        refine.Refinement(tradeoff.PerPixelTradeoff(6.0), steps=1000, learning_rate=0.03),
        tf.constant([1, 2]))
    mu, sigma = mu.numpy(), spatial.posterior_scale(raw_sigma).numpy()
    # Each value's parameters keep the noise of the last steps; their averages do not.
    self.assertAllClose(np.sum(mu[:, :8] * image) / np.sum(image**2), 0.8, atol=0.01)
    self.assertAllClose(np.mean(sigma[:, :8]**2), 0.2, atol=0.01)
    self.assertLess(np.mean(np.abs(mu[:, 8:])), 0.1)
    self.assertAllClose(np.mean(sigma[:, 8:]), 1.0, atol=0.05)

  def test_a_grey_image_reaches_the_closed_form_of_the_projected_decoder(self):
    # Decoded on the grey axis, a pixel's reconstruction is the mean z of its three values:
    # per pixel the loss is sum_c KL(N(mu, s^2) || N(0, 1)) + lambda_px E(x - mean z)^2,
    # minimized by mu = 2 lambda_px x / (3 + 2 lambda_px) = 0.8 x and s^2 = 9 / (9 + 2
    # lambda_px) = 9/21 at lambda_px = 6. Without the projection each channel would be
    # fitted alone (s^2 = 0.2, the test above).
    grey = np.random.default_rng(1).uniform(size=[1, 8, 6, 1]).astype(np.float32)
    image = np.repeat(grey, 3, axis=-1)
    mu, raw_sigma = refine.refine_posterior(
        _IdentityGaussianModel(), tf.constant(image), 8, 6,
        refine.Refinement(tradeoff.PerPixelTradeoff(6.0), steps=1000, learning_rate=0.03),
        tf.constant([1, 2]), grey=True)
    mu, sigma = mu.numpy(), spatial.posterior_scale(raw_sigma).numpy()
    self.assertAllClose(np.sum(mu * image) / np.sum(image**2), 0.8, atol=0.01)
    self.assertAllClose(np.mean(sigma**2), 9.0 / 21.0, atol=0.015)

  def test_a_diverged_refinement_is_an_error_not_a_point(self):
    image = tf.fill([1, 4, 4, 3], 0.5)
    with self.assertRaisesRegex(FloatingPointError, "diverged.*--ub_refine_lr"):
      refine.refine_posterior(_IdentityGaussianModel(), image, 4, 4,
                              refine.Refinement(tradeoff.PerPixelTradeoff(6.0), steps=5,
                                                learning_rate=float("inf")),
                              tf.constant([1, 2]))


class RefinedEvaluationTest(tf.test.TestCase):

  def test_refinement_lowers_the_held_out_objective(self):
    # A briefly trained model leaves a large amortization gap on the held-out image; the
    # refined posteriors, evaluated with fresh samples, must close part of it.
    folder = spatial_test.write_photo_folder(os.path.join(self.get_temp_dir(), "photos"))
    source = images.ImageFolderSource(folder, crop=32, test_fraction=0.25)
    config = estimators.get("upper_bound").preset("quick", image=True, photos=True)
    lmbda_per_pixel = 300.0
    model, _, amortized = spatial_bound.train_and_evaluate(
        source, dataclasses.replace(config, steps=200, refine_steps=0),
        tradeoff.PerPixelTradeoff(lmbda_per_pixel), log=lambda line: None)
    refined = whole_images.evaluate(
        model, source.held_out_images(),
        refinement=refine.Refinement(tradeoff.PerPixelTradeoff(lmbda_per_pixel), 100, 3e-3))
    objective = lambda ev: ev.rate_per_pixel + lmbda_per_pixel * ev.distortion
    self.assertLess(objective(refined), 0.9 * objective(amortized))


if __name__ == "__main__":
  tf.test.main()
