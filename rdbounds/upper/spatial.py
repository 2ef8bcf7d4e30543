"""The spatial-latent beta-VAE of the upper bound for photographs: a latent *map*.

Fully convolutional, so it trains on random crops and is evaluated on whole images of any size
(Yang & Mandt's Kodak protocol):

    x --g_a--> (mu, sigma)     q(z|x) = N(mu, diag(sigma^2)),   z: [B, H/16, W/16, M]
    y = g_s(z)                 the reconstruction: [B, H, W, C]

and one of two priors:

  * factorized (`hyper_channels=0`): p(z) a learned density per latent channel (tfc's
    DeepFactorized), the same at every position; rate = ln q(z|x) - ln p(z) summed over the
    map, a one-sample estimate of the KL;
  * hyperprior (`hyper_channels=K`): h = h_a(mu) + u, u ~ U(-1/2, 1/2) on a [H/64, W/64, K]
    map, p(h) learned and factorized (convolved with the uniform: tfc's NoisyDeepFactorized),
    p(z|h) = N(m(h), diag(s(h)^2)) with (m, s) = h_s(h); rate = -ln p(h) + KL(q(z|x) || p(z|h)),
    the KL in closed form.

Why this is an upper bound (docs/method.md, "Photographs"): the decoder sees z only, so
R(D) <= I(X; Z) <= I(X; Z, H) <= E_X KL(q(z, h|X) || p(h) p(z|h)) at D = E rho(X, g_s(Z)), for
any q(z, h|x) = q(z|x) q(h|x); a unit-width uniform q(h|x) has log density 0. Rates are sums
over the latent maps: nats per image, whatever its size. Distortion is the MSE per dimension
(pixels in [0, 1]); the evaluation clips y to [0, 1], another decoder that can only lower it.

Measured, not proven: the hyperprior trained on 64-128 px crops (a 1x1 or 2x2 hyper-latent,
all of it at the border) charged 4 to 37 times more nats per pixel on 192 px inputs than on
64-128 px crops of the same photo, while the factorized prior's rate per pixel did not
depend on the image size. So the factorized prior is the default.

The transforms are those of Ballé et al.: 5x5 stride-2 convolutions with GDN in g_a, inverse
GDN in g_s, ReLU in the hyper transforms. Inputs must have H and W divisible by the model's
`stride` (`pad_to_stride` pads a whole image; its padding's rate is charged to the image).
"""

from typing import Dict

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc
import tensorflow_probability as tfp

from rdbounds import nets

tfd = tfp.distributions

# Total stride: 16 from g_a, 4 more from h_a (with a hyperprior).
LATENT_STRIDE = 16
HYPER_STRIDE = 64
_MIN_SCALE = 1e-4  # Keeps the posterior's scale positive.
# The hyperprior's scales are kept above this (as entropy coders' scale tables are), so that
# near-zero scales predicted for unseen content cannot charge it without limit. Any floor
# leaves the bound valid; it only restricts the family of priors.
PRIOR_MIN_SCALE = 0.1


class SpatialVAE(tf.Module):
  """The model of the module docstring.

  Args:
    filters: N, hidden channels of all transforms.
    latent_channels: M, channels of the latent map z.
    hyper_channels: K, channels of the hyper-latent map h.
    image_channels: C of the images.
  """

  def __init__(self, filters: int, latent_channels: int, hyper_channels: int,
               image_channels: int = 3, name: str = "spatial_vae"):
    super().__init__(name=name)
    for what, value in (("filters", filters), ("latent_channels", latent_channels)):
      if int(value) < 1:
        raise ValueError(f"{what} must be >= 1, got {value}")
    if int(hyper_channels) < 0:
      raise ValueError(f"hyper_channels must be >= 0, got {hyper_channels}")
    n, m, k = int(filters), int(latent_channels), int(hyper_channels)
    self.latent_channels, self.image_channels = m, int(image_channels)
    self.g_a = tf.keras.Sequential(
        [nets.conv(n), tfc.GDN(), nets.conv(n), tfc.GDN(), nets.conv(n), tfc.GDN(),
         nets.conv(2 * m)],
        name="g_a")
    self.g_s = tf.keras.Sequential(
        [nets.deconv(n), tfc.GDN(inverse=True), nets.deconv(n), tfc.GDN(inverse=True),
         nets.deconv(n), tfc.GDN(inverse=True), nets.deconv(self.image_channels)], name="g_s")
    self.hyperprior = k > 0
    if self.hyperprior:
      self.h_a = tf.keras.Sequential(
          [nets.conv(n, 3, 1, "relu"), nets.conv(n, 5, 2, "relu"), nets.conv(k, 5, 2)],
          name="h_a")
      self.h_s = tf.keras.Sequential(
          [nets.deconv(n, 5, 2, "relu"), nets.deconv(n, 5, 2, "relu"), nets.conv(2 * m, 3, 1)],
          name="h_s")
      self.h_prior = tfc.NoisyDeepFactorized(batch_shape=[k])
    else:
      self.z_prior = tfc.DeepFactorized(batch_shape=[m])
    self.stride = HYPER_STRIDE if self.hyperprior else LATENT_STRIDE
    # Create every variable now, for checkpoints and the optimizer.
    self(tf.zeros([1, self.stride, self.stride, self.image_channels]), tf.constant([0, 0]))

  def __call__(self, x: tf.Tensor, seed: tf.Tensor) -> Dict[str, tf.Tensor]:
    """One reparameterized pass.

    Args:
      x: `[B, H, W, C]` images in [0, 1], H and W divisible by `stride`.
      seed: `[2]` int32 stateless seed of the posterior samples (z and u).

    Returns:
      dict with `rate` `[B]` (nats per image: the KL of the module docstring), `distortion`
      `[B]` (MSE per dimension), `y` `[B, H, W, C]` (unclipped reconstruction).
    """
    height, width = x.shape[1], x.shape[2]
    if (height is not None and height % self.stride) or (width is not None and width % self.stride):
      raise ValueError(f"the spatial model needs H and W divisible by {self.stride}, got "
                       f"{height}x{width} (pad_to_stride pads a whole image)")
    out = self.rate_and_reconstruction(*self.encode(x), seed)
    out["distortion"] = tf.reduce_mean(tf.math.squared_difference(x, out["y"]), [1, 2, 3])
    return out

  def encode(self, x: tf.Tensor):
    """`(mu, raw_sigma)`, each `[B, H/16, W/16, M]`: the posterior q(z|x) = N(mu, sigma^2) with
    sigma = `posterior_scale(raw_sigma)` (an unconstrained parameter, for refinement)."""
    mu, raw_sigma = tf.split(self.g_a(x), 2, axis=-1)
    return mu, raw_sigma

  def rate_and_reconstruction(self, mu: tf.Tensor, raw_sigma: tf.Tensor,
                              seed: tf.Tensor) -> Dict[str, tf.Tensor]:
    """One posterior sample z of N(mu, sigma^2) (`encode`'s parameters, or any others) decoded.

    Returns:
      dict with `rate` `[B]` (nats per image: the KL of the module docstring, for this
      posterior) and `y` `[B, H, W, C]` (unclipped reconstruction).
    """
    z_seed, u_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    sigma = posterior_scale(raw_sigma)
    z = mu + sigma * tf.random.stateless_normal(tf.shape(mu), z_seed)
    y = self.g_s(z)
    if not self.hyperprior:
      rate = tf.reduce_sum(tfd.Normal(mu, sigma).log_prob(z) - self.z_prior.log_prob(z),
                           [1, 2, 3])
      return {"rate": rate, "y": y}
    t = self.h_a(mu)
    h = t + tf.random.stateless_uniform(tf.shape(t), u_seed, -0.5, 0.5)
    m, raw_s = tf.split(self.h_s(h), 2, axis=-1)
    s = tf.nn.softplus(raw_s) + PRIOR_MIN_SCALE
    rate_z = tf.reduce_sum(tfd.Normal(mu, sigma).kl_divergence(tfd.Normal(m, s)), [1, 2, 3])
    rate_h = -tf.reduce_sum(self.h_prior.log_prob(h), [1, 2, 3])
    return {"rate": rate_z + rate_h, "y": y}


def posterior_scale(raw_sigma: tf.Tensor) -> tf.Tensor:
  """The posterior's standard deviation from its unconstrained parameter (kept positive)."""
  return tf.nn.softplus(raw_sigma) + _MIN_SCALE


def pad_to_stride(image: np.ndarray, stride: int) -> np.ndarray:
  """`[H, W, C]` -> `[H', W', C]`, H' and W' the next multiples of `stride`, by mirroring the
  image at its bottom and right edges (smooth continuation, cheap to code)."""
  height, width = image.shape[:2]
  pad = [(0, -height % stride), (0, -width % stride), (0, 0)]
  if height < pad[0][1] or width < pad[1][1]:  # A mirror cannot reach that far: repeat edges.
    return np.pad(image, pad, mode="edge")
  return np.pad(image, pad, mode="symmetric")
