"""The conv beta-VAE of image sources: shapes, the rate in nats per image in closed form, the
NTC model's noisy latents."""

import numpy as np
import tensorflow as tf

from rdbounds import estimators
from rdbounds.sources import base
from rdbounds.upper import config as ub_config
from rdbounds.upper import vector_bound as ub


class TinyImages(base.Source):
  """8x8x3 images in [0, 1] on a 2-d manifold: sigmoid(z1 B1 + z2 B2), z ~ N(0, I_2).

  B1, B2 are smooth colored patterns (a vertical and a horizontal cosine), so the images look
  like smooth gradients rather than noise.
  """

  def __init__(self, size=8):
    self.event_shape = (size, size, 3)
    self.name = "tiny_images"
    wave = np.cos(np.pi * (np.arange(size) + 0.5) / size)
    vertical = wave[:, None, None] * np.array([1.0, 0.3, -0.5])[None, None, :]
    horizontal = wave[None, :, None] * np.array([-0.4, 1.0, 0.6])[None, None, :]
    basis = 1.5 * np.stack([np.broadcast_to(vertical, self.event_shape),
                            np.broadcast_to(horizontal, self.event_shape)])
    self.mixing = tf.constant(basis.reshape(2, -1).astype(np.float32))

  def _sample(self, batch_size, seed, split):
    z = tf.random.stateless_normal([batch_size, 2], seed)
    return tf.reshape(tf.sigmoid(tf.matmul(z, self.mixing)), [batch_size, *self.event_shape])


def ub_tiny(**overrides):
  return ub_config.IMAGE_PRESETS["quick"].override(**dict(dict(
      channels=(8, 8), latent_dim=4, steps=200, batch=32, eval_samples=1024, eval_batch=512,
      steps_per_call=40, log_every=1000, lr=3e-3), **overrides))


class ConvUpperBoundModelTest(tf.test.TestCase):

  def test_gaussian_model_shapes_and_rate_in_nats_per_image(self):
    config = ub.resolve(ub_tiny(prior="standard_gaussian"), 1.0, 192)
    model = ub.build_model(config, (8, 8, 3), seed=0)
    x = TinyImages().sample(5, seed=1)
    out = model(x, tf.constant([3, 4]))
    self.assertEqual(out["y"].shape, (5, 8, 8, 3))
    self.assertEqual(out["z"].shape, (5, 4))
    self.assertEqual(out["rate"].shape, (5,))
    self.assertAllInRange(out["y"], 0.0, 1.0)
    # Distortion: MSE over all H*W*C values of each image.
    expected = np.mean((x.numpy() - out["y"].numpy())**2, axis=(1, 2, 3))
    self.assertAllClose(out["distortion"], expected, rtol=1e-5)
    # Rate: KL(N(mu, s^2) || N(0, 1)) summed over the d latents (nats per image, not per dim).
    q = model.posterior_distribution(x).distribution
    mu, s = q.loc.numpy(), q.scale.numpy()
    kl = np.sum(0.5 * (mu**2 + s**2 - 1.0) - np.log(s), axis=1)
    self.assertAllClose(out["rate"], kl, rtol=1e-4, atol=1e-5)

  def test_ntc_model_uniform_posterior_deep_factorized_prior(self):
    config = ub.resolve(ub_tiny(posterior="uniform", prior="deep_factorized"), 1.0, 192)
    model = ub.build_model(config, (8, 8, 3), seed=0)
    self.assertTrue(model.noisy)
    x = TinyImages().sample(6, seed=2)
    out = model(x, tf.constant([5, 6]))
    self.assertEqual(out["y"].shape, (6, 8, 8, 3))
    # The noisy latent lies within 1/2 of the encoder output; its rate is -log p~(z) >= 0
    # (a convolved density is at most 1 per coordinate).
    self.assertAllLessEqual(tf.abs(out["z"] - model.encoder(x)), 0.5)
    self.assertAllGreaterEqual(out["rate"], -1e-4)
    hard = model.hard_rounding(x)
    self.assertEqual(hard["rate"].shape, (6,))

  def test_both_bounds_apply_to_images(self):
    self.assertIsNone(estimators.get("upper_bound").not_applicable(TinyImages()))
    self.assertIsNone(estimators.get("lower_bound").not_applicable(TinyImages()))


if __name__ == "__main__":
  tf.test.main()

