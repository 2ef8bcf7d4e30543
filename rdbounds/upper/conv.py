"""The convolutional beta-VAE of the upper bound, for image sources `[B, H, W, C]` in [0, 1].

Same model and loss as the vector case (`model.BetaVAE`): a ResNet-style encoder
(`nets.conv_encoder`) maps an image to the parameters of q(z|x) over a latent vector z in R^d,
a prior p(z) over R^d (any of `priors.PRIORS`: a learned Gaussian, MAF, ... ; the deep
factorized prior for NTC), and the mirror decoder (`nets.conv_decoder`, sigmoid output in
[0, 1]) maps z back to an image. Distortion is the MSE per dimension over all H*W*C values;
rate is KL(q(z|x) || p(z)) in nats per image (bits per pixel = nats / ln 2 / (H*W)).

  * `posterior="gaussian"`: the encoder outputs `[B, 2d]` (means, pre-softplus scales).
  * `posterior="uniform"`: nonlinear transform coding, the encoder outputs `[B, d]` and the
    factorized prior is convolved with U(-1/2, 1/2) (trained with additive uniform noise).

The vector and image sources share `UpperBoundConfig`; the conv model reads `channels`,
`conv_blocks` and `conv_activation` (image presets set them).
"""

from typing import Sequence

import tensorflow as tf

from rdbounds import nets
from rdbounds.upper import model as model_lib


def build_conv_model(config, event_shape: Sequence[int], seed: int = 0
                     ) -> model_lib.BetaVAE:
  """A built convolutional beta-VAE for images of shape `event_shape = (H, W, C)`.

  Args:
    config: a resolved `UpperBoundConfig`: `channels` per stride-2 stage of the encoder (the
      decoder mirrors them), `latent_dim` is d, `conv_blocks` residual blocks per stage,
      `conv_activation` the hidden activation.
    event_shape: (H, W, C); H and W divisible by 2^len(widths).
    seed: seeds Keras' global generator (initial weights) and the prior.

  Returns:
    A built `BetaVAE` mapping `[B, H, W, C]` images to rates (nats per image) and
    distortions (MSE per dimension).
  """
  event_shape = tuple(int(s) for s in event_shape)
  if len(event_shape) != 3:
    raise ValueError(f"the conv beta-VAE needs images (H, W, C), got event shape {event_shape}")
  if not config.decoder:
    raise ValueError("image sources need a decoder (y = z is for vector sources)")
  tf.keras.utils.set_random_seed(int(seed))
  d = config.latent_dim
  params = 2 * d if config.posterior == "gaussian" else d
  encoder = nets.conv_encoder(event_shape, config.channels, output_dim=params,
                              blocks_per_stage=config.conv_blocks,
                              activation=config.conv_activation, name="encoder")
  decoder = nets.conv_decoder(event_shape, config.channels[::-1], latent_dim=d,
                              blocks_per_stage=config.conv_blocks,
                              activation=config.conv_activation, output_activation="sigmoid",
                              name="decoder")
  return model_lib.assemble(config, encoder, decoder, d, event_shape, seed)
