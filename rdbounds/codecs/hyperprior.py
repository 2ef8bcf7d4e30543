"""Learned image codec: conv transforms with a scale hyperprior (Ballé et al. 2018), range coded.

    x --g_a--> y --h_a--> z                      z_hat: deep factorized prior (side information)
    y_hat ~ N(0, sigma^2) convolved with U(-1/2, 1/2),  sigma = h_s(z_hat)  (indexed tables)
    x_hat = g_s(y_hat)

Training at lambda minimizes R + lambda D with R = bits(y) + bits(z) in nats per sample of
the source and D = MSE per dimension (pixels in [0, 1]), additive uniform noise standing in
for rounding; photo folders train on larger crops at the same per-pixel trade-off
(`learned_image.training_source`). After training the entropy models are rebuilt with
`compression=True`. Each image gets its own bitstream (`learned_image`: its size, then the
payload): varint(len(z string)), the z string, then the y string.

Transforms are small (two stride-2 convolutions each way for y, two more for z): the total
stride is 8, so training crops must be multiples of 8 and coded images are padded to them.
"""

from typing import Callable, List, Optional

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc

from rdbounds import nets
from rdbounds import training
from rdbounds.codecs import base
from rdbounds.codecs import config as codec_config
from rdbounds.codecs import learned_image
from rdbounds.sources import base as sources_base

LN2 = float(np.log(2.0))
# Scale table of the indexed Gaussian model (the range used in tfc's own examples).
SCALES_MIN, SCALES_MAX, SCALES_LEVELS = 0.11, 256.0, 64


def _scale_fn(index):
  step = (np.log(SCALES_MAX) - np.log(SCALES_MIN)) / (SCALES_LEVELS - 1)
  return tf.exp(np.log(SCALES_MIN) + step * tf.cast(index, tf.float32))


def _scale_index(sigma):
  """Continuous index of sigma in the scale table (the entropy model rounds it)."""
  step = (np.log(SCALES_MAX) - np.log(SCALES_MIN)) / (SCALES_LEVELS - 1)
  return (tf.math.log(tf.maximum(sigma, SCALES_MIN)) - np.log(SCALES_MIN)) / step


def build_transforms(filters: int, latent_channels: int, channels: int):
  """(g_a, g_s): `[B, H, W, C] -> [B, H/4, W/4, M]` and back (M = latent_channels)."""
  f, m = filters, latent_channels
  g_a = tf.keras.Sequential([nets.conv(f, 5, 2), tfc.GDN(), nets.conv(m, 5, 2)], name="g_a")
  g_s = tf.keras.Sequential([nets.deconv(f, 5, 2), tfc.GDN(inverse=True),
                             nets.deconv(channels, 5, 2)],
                            name="g_s")
  return g_a, g_s


def build_hyper_transforms(filters: int, latent_channels: int, hyper_channels: int):
  """(h_a, h_s): `[B, H/4, W/4, M] -> [B, H/8, W/8, K]` and `-> sigma [B, H/4, W/4, M]`."""
  f, m, k = filters, latent_channels, hyper_channels
  h_a = tf.keras.Sequential([nets.conv(f, 3, 1, "relu"), nets.conv(k, 5, 2)], name="h_a")
  # Softplus keeps sigma positive; the table clips it to [SCALES_MIN, SCALES_MAX].
  h_s = tf.keras.Sequential([nets.deconv(f, 5, 2, "relu"), nets.conv(m, 3, 1, "softplus")],
                            name="h_s")
  return h_a, h_s


class HyperpriorCodec(learned_image.LearnedImageCodec):
  """A trained scale-hyperprior model, ready to compress (one bitstream per image, any size).

  Payload of an image padded to multiples of 8: varint(len(z string)), the z string, then
  the y string (after the shape header of `learned_image`).
  """

  name = "hyperprior"
  stride = 8

  def __init__(self, transforms, z_prior, event_shape, lmbda: float, steps: int = None):
    self.g_a, self.g_s, self.h_a, self.h_s = transforms
    self.event_shape = tuple(event_shape)
    self.lmbda, self.steps = float(lmbda), steps
    self.setting = f"lambda={self.lmbda:g}"
    self.z_model = tfc.ContinuousBatchedEntropyModel(z_prior, coding_rank=3, compression=True)
    self.y_model = tfc.LocationScaleIndexedEntropyModel(
        tfc.NoisyNormal, SCALES_LEVELS, _scale_fn, coding_rank=3, compression=True)
    # One concrete function each for every image size (None spatial dims): encoder and
    # decoder must pick the very same table for every y element, or the range decoder
    # desynchronizes, so both run this one compiled `_indexes` and round in it.
    images = tf.TensorSpec([None, None, None, self.event_shape[2]], tf.float32)
    z_spec = tf.TensorSpec([None, None, None, z_prior.batch_shape[0]], tf.float32)
    self._indexes = tf.function(lambda z_hat: tf.round(_scale_index(self.h_s(z_hat))),
                                input_signature=[z_spec])
    self._latents = tf.function(self._latents_fn, input_signature=[images])
    self._synthesize = tf.function(self.g_s, input_signature=[
        tf.TensorSpec([None, None, None, self.g_s.input_shape[-1]], tf.float32)])

  def _latents_fn(self, x):
    y = self.g_a(x)
    z_hat = self.z_model.quantize(self.h_a(y))
    return y, z_hat, self._indexes(z_hat)

  def reconstruct(self, batch) -> np.ndarray:
    """g_s(y_hat) without coding: what `decode(encode(batch))` must equal exactly."""
    height, width = np.shape(batch)[1:3]
    y, _, indexes = self._latents(learned_image.pad_to_multiple(np.asarray(batch, np.float32),
                                                                self.stride))
    return self._synthesize(self.y_model.quantize(y, indexes)).numpy()[:, :height, :width]

  def model_bits(self, batch) -> np.ndarray:
    """`[B]` information content of (y_hat, z_hat) under the entropy models, bits per image."""
    x = tf.convert_to_tensor(learned_image.pad_to_multiple(np.asarray(batch, np.float32),
                                                           self.stride))
    y, _, indexes = self._latents(x)
    _, bits_z = self.z_model(self.h_a(y), training=False)
    _, bits_y = self.y_model(y, indexes, training=False)
    return (bits_y + bits_z).numpy()

  def _encode_padded(self, batch) -> List[bytes]:
    y, z_hat, indexes = self._latents(tf.convert_to_tensor(batch, tf.float32))
    z_strings = self.z_model.compress(z_hat).numpy()
    y_strings = self.y_model.compress(y, indexes).numpy()
    return [base.encode_varint(len(zs)) + zs + ys for zs, ys in zip(z_strings, y_strings)]

  def _payload_header_bytes(self, payload: bytes) -> int:
    return base.decode_varint(payload)[1]  # The length prefix of the z string.

  def _decode_padded(self, payloads, height, width) -> np.ndarray:
    z_strings, y_strings = [], []
    for data in payloads:
      length, position = base.decode_varint(data)
      z_strings.append(data[position:position + length])
      y_strings.append(data[position + length:])
    z_hat = self.z_model.decompress(tf.constant(z_strings), [height // 8, width // 8])
    indexes = self._indexes(z_hat)
    y_hat = self.y_model.decompress(tf.constant(y_strings), indexes)
    return self._synthesize(y_hat).numpy()


def train_hyperprior(source: sources_base.Source, lmbda: float,
                     config: codec_config.HyperpriorCodecConfig, seed: int = 0,
                     workdir: Optional[str] = None,
                     log: Callable[[str], None] = lambda line: None) -> HyperpriorCodec:
  """Trains the hyperprior codec at `lmbda` (R in nats per sample of `source`, D in MSE per
  dim); photo folders train on `config.train_crop` crops (`learned_image.training_source`)."""
  if not source.is_image:
    raise ValueError(f"the hyperprior codec codes images; {source.name} has shape {source.event_shape}")
  train_source, rate_scale = learned_image.training_source(source, config.train_crop)
  height, width, channels = train_source.event_shape
  if height % 8 or width % 8:
    raise ValueError(f"the hyperprior codec trains on H and W divisible by 8, got {height}x{width}")
  tf.keras.utils.set_random_seed(seed)
  g_a, g_s = build_transforms(config.filters, config.latent_channels, channels)
  h_a, h_s = build_hyper_transforms(config.filters, config.latent_channels, config.hyper_channels)
  transforms = (g_a, g_s, h_a, h_s)
  # Any image size: the transforms are convolutional.
  g_a.build((None, None, None, channels))
  g_s.build((None, None, None, config.latent_channels))
  h_a.build((None, None, None, config.latent_channels))
  h_s.build((None, None, None, config.hyper_channels))
  z_prior = tfc.NoisyDeepFactorized(batch_shape=[config.hyper_channels])
  z_model = tfc.ContinuousBatchedEntropyModel(z_prior, coding_rank=3, compression=False)
  y_model = tfc.LocationScaleIndexedEntropyModel(
      tfc.NoisyNormal, SCALES_LEVELS, _scale_fn, coding_rank=3, compression=False)
  decay_at = int(0.8 * config.steps)
  optimizer = tf.keras.optimizers.Adam(tf.keras.optimizers.schedules.PiecewiseConstantDecay(
      [decay_at], [config.learning_rate, config.learning_rate / 10]))
  variables = [v for t in transforms for v in t.trainable_variables] + list(z_prior.trainable_variables)
  lmbda_t = tf.constant(lmbda, tf.float32)
  rate_scale_t = tf.constant(rate_scale, tf.float32)

  def one_step(step, x):
    del step
    with tf.GradientTape() as tape:
      y = g_a(x, training=True)
      z_tilde, bits_z = z_model(h_a(y, training=True), training=True)
      indexes = _scale_index(h_s(z_tilde, training=True))
      y_tilde, bits_y = y_model(y, indexes, training=True)
      x_tilde = g_s(y_tilde, training=True)
      rate = tf.reduce_mean(bits_y + bits_z) * LN2 * rate_scale_t  # Per source sample.
      distortion = tf.reduce_mean(tf.square(x - x_tilde))
      loss = rate + lmbda_t * distortion
    gradients = tape.gradient(loss, variables)
    training.apply_gradients_if_finite(optimizer, loss, gradients, variables)
    return {"loss": loss, "rate_nats": rate, "distortion": distortion}

  trackables = {"g_a": g_a, "g_s": g_s, "h_a": h_a, "h_s": h_s, "z_prior": z_prior,
                "optimizer": optimizer}
  trainer = training.Trainer(
      one_step, trackables, train_source, config.batch_size, seed, config.steps, workdir=workdir,
      log_every=max(config.steps // 4, 1),
      steps_per_call=50, log=log, name=f"codec:hyperprior lambda={lmbda:g}")
  result = trainer.run()
  return HyperpriorCodec(transforms, z_prior, source.event_shape, lmbda, steps=result.steps)
