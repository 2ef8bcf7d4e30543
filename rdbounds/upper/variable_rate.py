"""One spatial model for a whole grid of trade-offs: the pretrained photo upper bound's model.

`spatial.SpatialVAE` learns one trade-off lambda; a sweep trains one per lambda. This model
learns L of them at once (Choi et al., "Variable rate deep image compression with a
conditional autoencoder", ICCV 2019, condition each layer on the trade-off): after every
convolution of every transform, each channel is scaled by exp(a[level, channel]), a learned
table per layer. Training draws each crop's level at random and minimizes its own loss per
pixel, so every weight serves every level and only the tables differ. Between two levels the
tables are interpolated linearly in log lambda (`position`), which gives a model for any
lambda inside the grid.

The model is the hyperprior variant of `spatial.SpatialVAE`:

    x --g_a--> (mu, sigma)        q(z|x) = N(mu, diag(sigma^2)),  z: [B, H/16, W/16, M]
    t = h_a(mu), h = t + u        u ~ U(-1/2, 1/2),                h: [B, H/64, W/64, K]
    (m, s) = h_s(h)               p(z|h) = N(m, diag(s^2)),        p(h) learned, factorized
    y = g_s(z)

rate = KL(q(z|x) || p(z|h)) - ln p(h) in nats per image, why that is an upper bound on I(X; Z):
`spatial` (and docs/method.md, "Photographs"): any fixed model, at any level, for any
posterior, gives an achievable point; the level only picks the model.

Why train on 256-pixel crops: with a hyper-latent at 1/64 of the resolution, 64-128 px crops
put every hyper-latent at the image border, and the prior learnt there charged whole images
4-37 times more (measured: `spatial`'s docstring). A 256 px crop has a 4x4 hyper-latent.
"""

import math
from typing import Dict, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc
import tensorflow_probability as tfp

from rdbounds import nets
from rdbounds.upper import spatial

tfd = tfp.distributions


class LevelScale(tf.keras.layers.Layer):
  """Scales each channel by exp(a[position]): `[B, H, W, F]`, position `[B]` float in
  [0, L-1] -> `[B, H, W, F]`; a is `[L, F]`, interpolated linearly between integer levels."""

  def __init__(self, levels: int, **kwargs):
    super().__init__(**kwargs)
    self.levels = int(levels)

  def build(self, input_shape):
    self.log_scale = self.add_weight(
        name="log_scale", shape=[self.levels, int(input_shape[-1])], initializer="zeros")

  def call(self, x, position):
    low = tf.clip_by_value(tf.floor(position), 0.0, self.levels - 1.0)
    high = tf.minimum(low + 1.0, self.levels - 1.0)
    fraction = (position - low)[:, None]
    table = ((1.0 - fraction) * tf.gather(self.log_scale, tf.cast(low, tf.int32))
             + fraction * tf.gather(self.log_scale, tf.cast(high, tf.int32)))
    return x * tf.exp(table)[:, None, None, :]


class _Transform(tf.Module):
  """A stack of layers, each convolution followed by a `LevelScale`."""

  def __init__(self, layers, levels: int, name: str):
    super().__init__(name=name)
    self.layers = list(layers)
    self.scales = [LevelScale(levels) if _is_conv(layer) else None for layer in self.layers]

  def __call__(self, x, position):
    for layer, scale in zip(self.layers, self.scales):
      x = layer(x)
      if scale is not None:
        x = scale(x, position)
    return x


def _is_conv(layer) -> bool:
  return isinstance(layer, (tf.keras.layers.Conv2D, tf.keras.layers.Conv2DTranspose))


class VariableRateVAE(tf.Module):
  """The model of the module docstring.

  Args:
    filters: N, hidden channels of g_a and g_s (the hyper transforms use N too).
    latent_channels: M, channels of z.
    hyper_channels: K, channels of h.
    lambdas_per_pixel: the grid of trade-offs (nats per pixel against MSE per dimension),
      increasing; level i is `lambdas_per_pixel[i]`.
    image_channels: C.
  """

  stride = spatial.HYPER_STRIDE

  def __init__(self, filters: int, latent_channels: int, hyper_channels: int,
               lambdas_per_pixel: Sequence[float], image_channels: int = 3,
               name: str = "variable_rate_vae"):
    super().__init__(name=name)
    grid = np.asarray(lambdas_per_pixel, np.float64)
    if grid.ndim != 1 or grid.size < 1 or not np.all(grid > 0) or np.any(np.diff(grid) <= 0):
      raise ValueError(f"lambdas_per_pixel must be positive and increasing, got {list(grid)}")
    n, m, k = int(filters), int(latent_channels), int(hyper_channels)
    if min(n, m, k) < 1:
      raise ValueError(f"filters, latent_channels and hyper_channels must be >= 1, got "
                       f"{n}, {m}, {k}")
    self.filters, self.latent_channels, self.hyper_channels = n, m, k
    self.image_channels = int(image_channels)
    self.lambdas_per_pixel = tuple(float(v) for v in grid)
    levels = grid.size
    self.g_a = _Transform(
        [nets.conv(n), tfc.GDN(), nets.conv(n), tfc.GDN(), nets.conv(n), tfc.GDN(),
         nets.conv(2 * m)], levels, "g_a")
    self.g_s = _Transform(
        [nets.deconv(n), tfc.GDN(inverse=True), nets.deconv(n), tfc.GDN(inverse=True),
         nets.deconv(n), tfc.GDN(inverse=True), nets.deconv(self.image_channels)], levels, "g_s")
    self.h_a = _Transform(
        [nets.conv(n, 3, 1), tf.keras.layers.ReLU(), nets.conv(n, 5, 2),
         tf.keras.layers.ReLU(), nets.conv(k, 5, 2)], levels, "h_a")
    self.h_s = _Transform(
        [nets.deconv(n, 5, 2), tf.keras.layers.ReLU(), nets.deconv(n, 5, 2),
         tf.keras.layers.ReLU(), nets.conv(2 * m, 3, 1)], levels, "h_s")
    self.h_prior = tfc.NoisyDeepFactorized(batch_shape=[k])
    # Create every variable now, for checkpoints and the optimizer.
    self(tf.zeros([1, self.stride, self.stride, self.image_channels]), tf.constant([0, 0]),
         tf.zeros([1]))

  def position(self, lmbda_per_pixel: float) -> float:
    """Where `lmbda_per_pixel` lies on the grid: a float in [0, L-1], linear in log lambda.

    Raises:
      ValueError outside the grid: the tables are not extrapolated.
    """
    grid = np.log(self.lambdas_per_pixel)
    value = math.log(lmbda_per_pixel) if lmbda_per_pixel > 0 else -math.inf
    # A hair of slack so that the grid's own values, converted back and forth, are inside.
    if not grid[0] - 1e-9 <= value <= grid[-1] + 1e-9:
      raise ValueError(
          f"the pretrained photo model covers lambda per pixel {self.lambdas_per_pixel[0]:g} "
          f"to {self.lambdas_per_pixel[-1]:g}; got {lmbda_per_pixel:g}")
    if len(grid) == 1:
      return 0.0
    return float(np.interp(value, grid, np.arange(len(grid), dtype=np.float64)))

  def __call__(self, x: tf.Tensor, seed: tf.Tensor, position: tf.Tensor) -> Dict[str, tf.Tensor]:
    """One reparameterized pass at per-image positions `[B]`: as `spatial.SpatialVAE`."""
    out = self.rate_and_reconstruction(*self.encode(x, position), seed, position)
    out["distortion"] = tf.reduce_mean(tf.math.squared_difference(x, out["y"]), [1, 2, 3])
    return out

  def encode(self, x: tf.Tensor, position: tf.Tensor):
    """`(mu, raw_sigma)`, each `[B, H/16, W/16, M]`."""
    mu, raw_sigma = tf.split(self.g_a(x, position), 2, axis=-1)
    return mu, raw_sigma

  def rate_and_reconstruction(self, mu, raw_sigma, seed, position) -> Dict[str, tf.Tensor]:
    """`{"rate": [B] nats per image, "y": [B, H, W, C] unclipped}` for one posterior sample."""
    z_seed, u_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    sigma = spatial.posterior_scale(raw_sigma)
    z = mu + sigma * tf.random.stateless_normal(tf.shape(mu), z_seed)
    return {"rate": self.rate(mu, raw_sigma, u_seed, position), "y": self.g_s(z, position)}

  def rate(self, mu, raw_sigma, seed, position) -> tf.Tensor:
    """`[B]` nats per image: -ln p(h) for one draw of h's uniform noise (`seed`), plus the
    KL to p(z|h) in closed form (no sample of z needed)."""
    t = self.h_a(mu, position)
    h = t + tf.random.stateless_uniform(tf.shape(t), seed, -0.5, 0.5)
    m, raw_s = tf.split(self.h_s(h, position), 2, axis=-1)
    s = tf.nn.softplus(raw_s) + spatial.PRIOR_MIN_SCALE
    sigma = spatial.posterior_scale(raw_sigma)
    rate_z = tf.reduce_sum(tfd.Normal(mu, sigma).kl_divergence(tfd.Normal(m, s)), [1, 2, 3])
    return rate_z - tf.reduce_sum(self.h_prior.log_prob(h), [1, 2, 3])

  @property
  def hyperprior_variables(self):
    """The trainable variables of the rate model alone: h_a, h_s and p(h)."""
    return (self.h_a.trainable_variables + self.h_s.trainable_variables
            + self.h_prior.trainable_variables)

  def at(self, lmbda_per_pixel: float) -> "AtLevel":
    """The model at one trade-off, with `SpatialVAE`'s interface (for `whole_images` and
    `refine`)."""
    return AtLevel(self, self.position(lmbda_per_pixel))


class AtLevel:
  """A `VariableRateVAE` at one position: `encode(x)` and `rate_and_reconstruction(mu,
  raw_sigma, seed)` for a batch of one or more images, and `stride`."""

  def __init__(self, model: VariableRateVAE, position: float):
    self.model, self.stride = model, model.stride
    self._position = tf.constant(float(position), tf.float32)

  def _positions(self, like: tf.Tensor) -> tf.Tensor:
    return tf.fill(tf.shape(like)[:1], self._position)

  def encode(self, x):
    return self.model.encode(x, self._positions(x))

  def rate_and_reconstruction(self, mu, raw_sigma, seed):
    return self.model.rate_and_reconstruction(mu, raw_sigma, seed, self._positions(mu))
