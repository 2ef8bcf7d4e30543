"""Nonlinear transform coding of images: conv transforms and a deep factorized prior, range coded.

    x --g_a--> y --round--> y_hat (deep factorized entropy model, per channel) --g_s--> x_hat

The factorized-prior model of Ballé et al. (2018), i.e. the hyperprior codec without side
information; it uses the same transforms (`hyperprior.build_transforms`): total stride 4, so
training crops must be multiples of 4 and coded images are padded to them. Training at lambda
minimizes R + lambda D (R in nats per sample of the source, D = MSE per dimension) with
additive uniform noise in place of rounding; photo folders train on larger crops at the same
per-pixel trade-off (`learned_image.training_source`). After training the entropy model is
rebuilt with `compression=True`. One bitstream per image (`learned_image`: its size, then the
range-coded y).
"""

from typing import Callable, List, Optional

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc

from rdbounds.codecs import config as codec_config
from rdbounds.codecs import hyperprior
from rdbounds.codecs import learned_image
from rdbounds.codecs import ntc
from rdbounds.sources import base as sources_base


class ImageNTCCodec(learned_image.LearnedImageCodec):
  """A trained factorized-prior image model, ready to compress (one bitstream per image, any
  size; payload: the range-coded y of the image padded to multiples of 4)."""

  name = "ntc"
  stride = 4

  def __init__(self, g_a, g_s, prior, event_shape, lmbda: float, steps: int = None):
    self.g_a, self.g_s = g_a, g_s
    self.event_shape = tuple(event_shape)
    self.lmbda, self.steps = float(lmbda), steps
    self.setting = f"lambda={self.lmbda:g}"
    self.y_model = tfc.ContinuousBatchedEntropyModel(prior, coding_rank=3, compression=True)
    # One concrete function each for every image size.
    self._analyze = tf.function(self.g_a, input_signature=[
        tf.TensorSpec([None, None, None, self.event_shape[2]], tf.float32)])
    self._synthesize = tf.function(self.g_s, input_signature=[
        tf.TensorSpec([None, None, None, prior.batch_shape[0]], tf.float32)])

  def _padded(self, batch):
    return tf.convert_to_tensor(
        learned_image.pad_to_multiple(np.asarray(batch, np.float32), self.stride))

  def reconstruct(self, batch) -> np.ndarray:
    """g_s(round(y)) without coding: what `decode(encode(batch))` must equal exactly."""
    height, width = np.shape(batch)[1:3]
    y = self._analyze(self._padded(batch))
    return self._synthesize(self.y_model.quantize(y)).numpy()[:, :height, :width]

  def model_bits(self, batch) -> np.ndarray:
    """`[B]` information content of y_hat under the entropy model, bits per image."""
    _, bits = self.y_model(self._analyze(self._padded(batch)), training=False)
    return bits.numpy()

  def _encode_padded(self, batch) -> List[bytes]:
    y = self._analyze(tf.convert_to_tensor(batch, tf.float32))
    return list(self.y_model.compress(y).numpy())

  def _decode_padded(self, payloads, height, width) -> np.ndarray:
    y_hat = self.y_model.decompress(tf.constant(list(payloads)), [height // 4, width // 4])
    return self._synthesize(y_hat).numpy()


def train_image_ntc(source: sources_base.Source, lmbda: float,
                    config: codec_config.NTCCodecConfig, seed: int = 0, workdir: Optional[str] = None,
                    log: Callable[[str], None] = lambda line: None) -> ImageNTCCodec:
  """Trains the factorized-prior codec at `lmbda` (uses `config`'s filters, latent_channels,
  train_crop, steps, batch_size and learning_rate); R in nats per sample of `source`."""
  if not source.is_image:
    raise ValueError(f"image NTC codes images; {source.name} has shape {source.event_shape}")
  train_source, rate_scale = learned_image.training_source(source, config.train_crop)
  height, width, channels = train_source.event_shape
  if height % 4 or width % 4:
    raise ValueError(f"image NTC trains on H and W divisible by 4, got {height}x{width}")
  tf.keras.utils.set_random_seed(seed)
  g_a, g_s = hyperprior.build_transforms(config.filters, config.latent_channels, channels)
  g_a.build((None, None, None, channels))  # Any image size: the transforms are convolutional.
  g_s.build((None, None, None, config.latent_channels))
  prior = tfc.NoisyDeepFactorized(batch_shape=[config.latent_channels])
  result = ntc.train_factorized_prior(
      g_a, g_s, prior, coding_rank=3, source=train_source, lmbda=lmbda, steps=config.steps,
      batch_size=config.batch_size, learning_rate=config.learning_rate, seed=seed,
      workdir=workdir, log=log, steps_per_call=50, name=f"codec:ntc lambda={lmbda:g}",
      rate_scale=rate_scale)
  return ImageNTCCodec(g_a, g_s, prior, source.event_shape, lmbda, steps=result.steps)
