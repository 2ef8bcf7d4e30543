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

Image configuration: every estimator config key `K` has an optional `image_K` companion
(`IMAGE_KEYS`); for image sources a non-None `image_K` replaces `K` (`image_config`). So one
preset carries image-appropriate sizes (channels per stage in `image_widths`, a small
`image_latent_dim`, fewer and smaller `image_steps`/`image_batch`) without touching the
vector defaults. `image_blocks` (residual blocks per stage) and `image_activation` apply to
images only.
"""

from typing import Sequence

import tensorflow as tf

from rdbounds import estimators
from rdbounds import nets
from rdbounds.upper import model as model_lib

# Config keys with an `image_` companion that replaces them for image sources.
IMAGE_KEYS = ("widths", "latent_dim", "steps", "batch", "lr", "eval_samples", "eval_batch",
              "prior", "posterior")


def image_config(config: dict) -> dict:
  """`config` with every non-None `image_<key>` (key in `IMAGE_KEYS`) moved onto `<key>`."""
  return estimators.image_config(config, IMAGE_KEYS)


def build_conv_model(config: dict, event_shape: Sequence[int], seed: int = 0
                     ) -> model_lib.BetaVAE:
  """A built convolutional beta-VAE for images of shape `event_shape = (H, W, C)`.

  Args:
    config: a validated config with image entries resolved (`image_config`): `widths` are
      the encoder's channels per stride-2 stage (the decoder mirrors them), `latent_dim` is d,
      `image_blocks` residual blocks per stage, `image_activation` the hidden activation.
    event_shape: (H, W, C); H and W divisible by 2^len(widths).
    seed: seeds Keras' global generator (initial weights) and the prior.

  Returns:
    A built `BetaVAE` mapping `[B, H, W, C]` images to rates (nats per image) and
    distortions (MSE per dimension).
  """
  event_shape = tuple(int(s) for s in event_shape)
  if len(event_shape) != 3:
    raise ValueError(f"the conv beta-VAE needs images (H, W, C), got event shape {event_shape}")
  if not config["decoder"]:
    raise ValueError("image sources need a decoder (y = z is for vector sources)")
  tf.keras.utils.set_random_seed(int(seed))
  d = int(config["latent_dim"])
  widths = [int(w) for w in config["widths"]]
  blocks = int(config["image_blocks"])
  activation = config["image_activation"] or config["activation"]
  params = 2 * d if config["posterior"] == "gaussian" else d
  encoder = nets.conv_encoder(event_shape, widths, output_dim=params, blocks_per_stage=blocks,
                              activation=activation, name="encoder")
  decoder = nets.conv_decoder(event_shape, widths[::-1], latent_dim=d, blocks_per_stage=blocks,
                              activation=activation, output_activation="sigmoid",
                              name="decoder")
  return model_lib.assemble(config, encoder, decoder, d, event_shape, seed)
