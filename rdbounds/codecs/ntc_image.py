"""Nonlinear transform coding of images: conv transforms and a deep factorized prior, range coded.

    x --g_a--> y --round--> y_hat (deep factorized entropy model, per channel) --g_s--> x_hat

The factorized-prior model of Ballé et al. (2018), i.e. the hyperprior codec without side
information; it uses the same transforms (`hyperprior.build_transforms`), so H and W must be
multiples of 4. Training at lambda minimizes R + lambda D (R in nats per image, D = MSE per
dimension) with additive uniform noise in place of rounding; after training the entropy model
is rebuilt with `compression=True`. One bitstream per image; the decoder knows the shape.
"""

from typing import Callable, List, Optional, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc

from rdbounds.codecs import base
from rdbounds.codecs import config as codec_config
from rdbounds.codecs import hyperprior
from rdbounds.codecs import ntc
from rdbounds.sources import base as sources_base


class ImageNTCCodec(base.Codec):
  """A trained factorized-prior image model, ready to compress."""

  name = "ntc"
  per_sample_bitstreams = True

  def __init__(self, g_a, g_s, prior, event_shape, lmbda: float, steps: int = None):
    self.g_a, self.g_s = g_a, g_s
    self.event_shape = tuple(event_shape)
    self.lmbda, self.steps = float(lmbda), steps
    self.setting = f"lambda={self.lmbda:g}"
    height, width, _ = self.event_shape
    self.y_shape = [height // 4, width // 4]
    self.y_model = tfc.ContinuousBatchedEntropyModel(prior, coding_rank=3, compression=True)

  @tf.function
  def _analyze(self, x):
    return self.g_a(x)

  @tf.function
  def _synthesize(self, y_hat):
    return self.g_s(y_hat)

  def reconstruct(self, batch) -> np.ndarray:
    """g_s(round(y)) without coding: what `decode(encode(batch))` must equal exactly."""
    y = self._analyze(tf.convert_to_tensor(batch, tf.float32))
    return self._synthesize(self.y_model.quantize(y)).numpy()

  def model_bits(self, batch) -> np.ndarray:
    """`[B]` information content of y_hat under the entropy model, bits per image."""
    y = self._analyze(tf.convert_to_tensor(batch, tf.float32))
    _, bits = self.y_model(y, training=False)
    return bits.numpy()

  def encode(self, batch) -> List[bytes]:
    y = self._analyze(tf.convert_to_tensor(batch, tf.float32))
    return list(self.y_model.compress(y).numpy())

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    y_hat = self.y_model.decompress(tf.constant(list(bitstreams)), self.y_shape)
    return self._synthesize(y_hat).numpy()


def train_image_ntc(source: sources_base.Source, lmbda: float,
                    config: codec_config.NTCCodecConfig, seed: int = 0, workdir: Optional[str] = None,
                    log: Callable[[str], None] = lambda line: None) -> ImageNTCCodec:
  """Trains the factorized-prior codec at `lmbda` (uses `config`'s filters, latent_channels,
  steps, batch_size and learning_rate)."""
  if not source.is_image:
    raise ValueError(f"image NTC codes images; {source.name} has shape {source.event_shape}")
  height, width, channels = source.event_shape
  if height % 4 or width % 4:
    raise ValueError(f"image NTC needs H and W divisible by 4, got {height}x{width}")
  tf.keras.utils.set_random_seed(seed)
  g_a, g_s = hyperprior.build_transforms(config.filters, config.latent_channels, channels)
  g_a.build((None, height, width, channels))
  g_s.build((None, height // 4, width // 4, config.latent_channels))
  prior = tfc.NoisyDeepFactorized(batch_shape=[config.latent_channels])
  result = ntc.train_factorized_prior(
      g_a, g_s, prior, coding_rank=3, source=source, lmbda=lmbda, steps=config.steps,
      batch_size=config.batch_size, learning_rate=config.learning_rate, seed=seed,
      workdir=workdir, log=log, steps_per_call=50, name=f"codec:ntc lambda={lmbda:g}")
  return ImageNTCCodec(g_a, g_s, prior, source.event_shape, lmbda, steps=result.steps)
