"""Grey photographs: a one-bit flag, and a decoder that stays on the grey axis.

A black-and-white photograph read as RGB has its three channels equal everywhere. Such an
image is sent with a flag saying so, and its reconstruction is projected onto the grey axis
(each pixel's three values replaced by their mean), as a codec stores one plane for it.

Why the point stays achievable (proven). For a grey image x the projection P is orthogonal
onto a subspace that holds x, so |P y - x| <= |y - x| for every reconstruction y: the
distortion can only fall. The rate pays for the flag: the channel x -> (flag(x), z) carries
I(X; F, Z) = H(F) + I(X; Z | F) <= ln 2 + E KL(q(z|x) || p(z)) nats per image, so every
three-channel image, grey or not, is charged ln 2 nats more (1.1e-5 bits per pixel on a
256 x 256 image).
"""

import math

import numpy as np
import tensorflow as tf

# The flag's rate, nats per image.
FLAG_NATS = math.log(2.0)


def is_grey(image: np.ndarray) -> bool:
  """Whether `[H, W, C]` `image` has C = 3 channels equal at every pixel."""
  return image.shape[-1] == 3 and bool(np.all(image == image[..., :1]))


def flag_nats(image: np.ndarray) -> float:
  """The flag's rate for `[H, W, C]` `image`: ln 2 with three channels, none with one."""
  return FLAG_NATS if image.shape[-1] == 3 else 0.0


def decode(y: tf.Tensor, grey: bool) -> tf.Tensor:
  """`[B, H, W, C]` reconstruction `y` as the decoder outputs it: on the grey axis if `grey`."""
  if not grey:
    return y
  return tf.broadcast_to(tf.reduce_mean(y, axis=-1, keepdims=True), tf.shape(y))
