"""Network builders shared by the upper- and lower-bound models."""

from typing import Sequence

import tensorflow as tf


class Upsample2x(tf.keras.layers.Layer):
  """Nearest-neighbour upsampling by 2, `[B, H, W, F] -> [B, 2H, 2W, F]`.

  The same function as `UpSampling2D(2)`, written with broadcasting: it has gradients of
  every order (forward-mode Jacobians of the GAN generator need the gradient of the
  gradient), and XLA compiles its gradient (XLA on CPU has no kernel for
  UpSampling2D's, ResizeNearestNeighborGrad).
  """

  def call(self, x):
    shape = tf.shape(x)
    x = tf.broadcast_to(x[:, :, None, :, None, :],
                        [shape[0], shape[1], 2, shape[2], 2, shape[3]])
    return tf.reshape(x, [shape[0], 2 * shape[1], 2 * shape[2], shape[3]])

  def compute_output_shape(self, input_shape):
    b, h, w, f = input_shape
    return tf.TensorShape([b, None if h is None else 2 * h, None if w is None else 2 * w, f])


def mlp(widths: Sequence[int], output_dim: int, activation: str = "softplus",
        output_activation=None, name: str = "mlp") -> tf.keras.Sequential:
  """A fully connected network: hidden layers of `widths`, then a linear (or given) output.

  Maps `[B, n_in]` to `[B, output_dim]`; the input size is fixed by the first call.
  """
  if output_dim < 1 or any(w < 1 for w in widths):
    raise ValueError(f"layer sizes must be positive, got widths={list(widths)}, output={output_dim}")
  layers = [tf.keras.layers.Dense(w, activation=activation) for w in widths]
  layers.append(tf.keras.layers.Dense(output_dim, activation=output_activation))
  return tf.keras.Sequential(layers, name=name)


# --------------------------------------------------------------------------------------------
# Convolutional builders for image sources ([B, H, W, C] tensors, values in [0, 1]).


def conv(filters: int, kernel: int = 5, stride: int = 2, activation=None):
  """A "same"-padded convolution: `[B, H, W, F_in] -> [B, H / stride, W / stride, filters]`."""
  return tf.keras.layers.Conv2D(filters, kernel, stride, padding="same", activation=activation)


def deconv(filters: int, kernel: int = 5, stride: int = 2, activation=None):
  """A "same"-padded transposed convolution: `[B, H, W, F_in] -> [B, H stride, W stride,
  filters]`."""
  return tf.keras.layers.Conv2DTranspose(filters, kernel, stride, padding="same",
                                         activation=activation)

class ResidualBlock(tf.keras.layers.Layer):
  """Pre-activation residual block: `x + conv3x3(act(conv3x3(act(x))))`.

  `[B, H, W, F] -> [B, H, W, F]`; F is fixed by the first call.
  """

  def __init__(self, activation: str = "relu", **kwargs):
    super().__init__(**kwargs)
    self.activation = tf.keras.activations.get(activation)

  def build(self, input_shape):
    features = int(input_shape[-1])
    self.conv1 = tf.keras.layers.Conv2D(features, 3, padding="same")
    self.conv2 = tf.keras.layers.Conv2D(features, 3, padding="same")
    super().build(input_shape)

  def call(self, x):
    return x + self.conv2(self.activation(self.conv1(self.activation(x))))


def _check_widths(widths):
  if not widths or any(int(w) < 1 for w in widths):
    raise ValueError(f"widths must be a non-empty list of positive sizes, got {list(widths)}")


def _encoder_stages(x, widths, blocks_per_stage, activation):
  """Downsampling stages on a Keras tensor `[B, H, W, C]` -> activated `[B, H/2^S, W/2^S, F]`."""
  act = tf.keras.activations.get(activation)
  for i, w in enumerate(widths):
    x = tf.keras.layers.Conv2D(int(w), 3, strides=2, padding="same")(x if i == 0 else act(x))
    for _ in range(blocks_per_stage):
      x = ResidualBlock(activation)(x)
  return act(x)


def conv_encoder(input_shape: Sequence[int], widths: Sequence[int] = (32, 64, 128),
                 output_dim: int = None, latent_channels: int = None,
                 blocks_per_stage: int = 1, activation: str = "relu",
                 name: str = "conv_encoder") -> tf.keras.Model:
  """A ResNet-style convolutional encoder.

  Each of the S = len(widths) stages halves the resolution with a stride-2 3x3 conv to
  `widths[i]` channels, then applies `blocks_per_stage` residual blocks.

  Args:
    input_shape: (H, W, C) of the images.
    widths: channels per stage.
    output_dim: give this for a vector code: the final map is flattened and mapped by a dense
      layer, `[B, H, W, C] -> [B, output_dim]`.
    latent_channels: give this (instead) for a latent feature map: a final 3x3 conv,
      `[B, H, W, C] -> [B, ceil(H / 2^S), ceil(W / 2^S), latent_channels]`.
    blocks_per_stage: residual blocks after each downsampling (0 for a plain CNN).
    activation: Keras activation name.
  """
  _check_widths(widths)
  if (output_dim is None) == (latent_channels is None):
    raise ValueError("give exactly one of output_dim (vector code) and latent_channels (map)")
  if (output_dim or latent_channels) < 1:
    raise ValueError(f"output size must be positive, got {output_dim or latent_channels}")
  inputs = tf.keras.Input(list(input_shape))
  x = _encoder_stages(inputs, widths, blocks_per_stage, activation)
  if output_dim is not None:
    x = tf.keras.layers.Dense(int(output_dim))(tf.keras.layers.Flatten()(x))
  else:
    x = tf.keras.layers.Conv2D(int(latent_channels), 3, padding="same")(x)
  return tf.keras.Model(inputs, x, name=name)


def conv_decoder(image_shape: Sequence[int], widths: Sequence[int] = (128, 64, 32),
                 latent_dim: int = None, latent_channels: int = None,
                 blocks_per_stage: int = 1, activation: str = "relu",
                 output_activation: str = "sigmoid", name: str = "conv_decoder") -> tf.keras.Model:
  """A ResNet-style convolutional decoder, the mirror of `conv_encoder`.

  The input becomes a `[B, H / 2^S, W / 2^S, widths[0]]` map (S = len(widths)); stage i
  applies `blocks_per_stage` residual blocks, then doubles the resolution (nearest-neighbour
  upsampling and a 3x3 conv to `widths[i + 1]`, or `widths[-1]` at the last stage); a final
  3x3 conv gives C channels.

  Args:
    image_shape: (H, W, C) of the output; H and W must be divisible by 2^S.
    widths: channels per stage, coarsest first.
    latent_dim: give this for a vector code `[B, latent_dim]` (a dense layer makes the map).
    latent_channels: give this (instead) for a latent map `[B, H / 2^S, W / 2^S, latent_channels]`.
    output_activation: "sigmoid" for images in [0, 1], None for unconstrained outputs.

  Returns:
    A model mapping the code to `[B, H, W, C]`.
  """
  _check_widths(widths)
  if (latent_dim is None) == (latent_channels is None):
    raise ValueError("give exactly one of latent_dim (vector code) and latent_channels (map)")
  height, width, channels = (int(s) for s in image_shape)
  factor = 2**len(widths)
  if height % factor or width % factor:
    raise ValueError(f"image size {height}x{width} is not divisible by 2^{len(widths)} = {factor}")
  act = tf.keras.activations.get(activation)
  h, w = height // factor, width // factor
  if latent_dim is not None:
    x = inputs = tf.keras.Input([int(latent_dim)])
    x = tf.keras.layers.Dense(h * w * int(widths[0]))(x)
    x = tf.keras.layers.Reshape([h, w, int(widths[0])])(x)
  else:
    x = inputs = tf.keras.Input([h, w, int(latent_channels)])
    x = tf.keras.layers.Conv2D(int(widths[0]), 3, padding="same")(x)
  for i in range(len(widths)):
    for _ in range(blocks_per_stage):
      x = ResidualBlock(activation)(x)
    x = Upsample2x()(act(x))
    x = tf.keras.layers.Conv2D(int(widths[min(i + 1, len(widths) - 1)]), 3, padding="same")(x)
  x = tf.keras.layers.Conv2D(channels, 3, padding="same", activation=output_activation)(act(x))
  return tf.keras.Model(inputs, x, name=name)


def conv_scalar_net(input_shape: Sequence[int], widths: Sequence[int] = (32, 64, 128),
                    blocks_per_stage: int = 1, activation: str = "softplus",
                    name: str = "conv_scalar_net") -> tf.keras.Model:
  """A CNN with one real output per image, e.g. the lower bound's `log u(x)`.

  A `conv_encoder` with `output_dim=1`, squeezed: `[B, H, W, C] -> [B]`. The flatten + dense
  head (no global pooling) lets the output depend on where things are in the image.
  """
  _check_widths(widths)
  inputs = tf.keras.Input(list(input_shape))
  x = _encoder_stages(inputs, widths, blocks_per_stage, activation)
  x = tf.keras.layers.Dense(1)(tf.keras.layers.Flatten()(x))
  return tf.keras.Model(inputs, tf.keras.layers.Reshape([])(x), name=name)
