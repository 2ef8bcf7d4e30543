"""The network builders against independent float64 numpy references of what their docstrings
say they compute ('same'-padded strided convolutions, residual blocks, nearest-neighbour
upsampling), and their ranges and gradients."""

import numpy as np
import tensorflow as tf

from rdbounds import nets


def _softplus(x):
  return np.logaddexp(0.0, x)


def _relu(x):
  return np.maximum(x, 0.0)


def _conv(x, layer, stride=1):
  """A Keras Conv2D with 'same' padding, in float64 numpy: `[B, H, W, C] -> [B, H', W', F]`."""
  kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
  k, height, width = kernel.shape[0], x.shape[1], x.shape[2]
  out_h, out_w = -(-height // stride), -(-width // stride)
  pad_h, pad_w = (max((o - 1) * stride + k - n, 0) for o, n in ((out_h, height), (out_w, width)))
  x = np.pad(x, [(0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2),
                 (0, 0)])
  out = np.zeros(x.shape[:1] + (out_h, out_w, kernel.shape[-1]))
  for i in range(k):
    for j in range(k):
      patch = x[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride]
      out += np.einsum("bhwc,cf->bhwf", patch, kernel[i, j])
  return out + bias


def _dense(x, layer):
  kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
  return x @ kernel + bias


def _weighted_layers(model):
  """The layers with weights, in the order the model applies them (residual blocks expanded
  into their two convolutions)."""
  layers = []
  for layer in model.layers:
    if isinstance(layer, nets.ResidualBlock):
      layers.append(layer)
    elif layer.get_weights():
      layers.append(layer)
  return layers


def _encoder_reference(x, encoder, stages, blocks, act):
  """`conv_encoder`'s docstring: per stage a stride-2 3x3 conv (on the activated map from the
  second stage on) and residual blocks x + conv(act(conv(act(x)))); then act and the head."""
  layers = iter(_weighted_layers(encoder))
  for stage in range(stages):
    x = _conv(x if stage == 0 else act(x), next(layers), stride=2)
    for _ in range(blocks):
      block = next(layers)
      x = x + _conv(act(_conv(act(x), block.conv1)), block.conv2)
  head = next(layers)
  x = act(x)
  if isinstance(head, tf.keras.layers.Dense):
    return _dense(x.reshape(len(x), -1), head)
  return _conv(x, head)


class MlpTest(tf.test.TestCase):

  def test_mlp_is_softplus_hidden_layers_and_a_linear_output(self):
    net = nets.mlp([8, 8], 3)
    x = np.random.default_rng(0).normal(size=(5, 2))
    out = net(tf.constant(x, tf.float32)).numpy()
    first, second, last = net.layers
    reference = _dense(_softplus(_dense(_softplus(_dense(x, first)), second)), last)
    self.assertAllClose(out, reference, rtol=1e-5, atol=1e-5)


class ConvTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    tf.keras.utils.set_random_seed(0)
    self.images = tf.random.stateless_uniform([4, 16, 16, 3], [1, 2])

  def test_encoder_vector_code_is_strided_convs_residual_blocks_and_a_dense_head(self):
    encoder = nets.conv_encoder((16, 16, 3), widths=(8, 16), output_dim=5)
    x = self.images.numpy().astype(np.float64)
    self.assertAllClose(encoder(self.images), _encoder_reference(x, encoder, 2, 1, _relu),
                        rtol=1e-4, atol=1e-4)

  def test_encoder_latent_map_pads_like_same_convolutions_at_odd_sizes(self):
    # 10 -> 5 -> 3 pixels: 'same' padding puts the odd pixel's padding after the image.
    encoder = nets.conv_encoder((10, 10, 1), widths=(4, 4), latent_channels=2,
                                activation="softplus")
    x = np.random.default_rng(1).uniform(size=(2, 10, 10, 1))
    out = encoder(tf.constant(x, tf.float32))
    self.assertEqual(out.shape, (2, 3, 3, 2))
    self.assertAllClose(out, _encoder_reference(x, encoder, 2, 1, _softplus), rtol=1e-4,
                        atol=1e-4)

  def test_decoder_from_vector_in_unit_range(self):
    decoder = nets.conv_decoder((16, 16, 3), widths=(16, 8), latent_dim=5)
    out = decoder(10.0 * tf.random.stateless_normal([4, 5], [3, 4]))
    self.assertEqual(out.shape, (4, 16, 16, 3))
    self.assertAllInRange(out, 0.0, 1.0)

  def test_decoder_from_map_unconstrained(self):
    decoder = nets.conv_decoder((16, 16, 1), widths=(16, 8), latent_channels=6,
                                output_activation=None)
    out = decoder(10.0 * tf.random.stateless_normal([4, 4, 4, 6], [3, 4]))
    self.assertEqual(out.shape, (4, 16, 16, 1))
    # Unconstrained: some outputs leave [0, 1] for inputs this large.
    self.assertGreater(float(tf.reduce_max(tf.abs(out - 0.5))), 0.5)

  def test_decoder_from_a_map_upsamples_by_nearest_neighbours_between_convs(self):
    # conv_decoder's docstring: a 3x3 conv to widths[0], then per stage residual blocks,
    # act, x2 nearest-neighbour upsampling and a 3x3 conv; a last 3x3 conv to C channels.
    decoder = nets.conv_decoder((16, 16, 3), widths=(16, 8), latent_channels=4,
                                output_activation=None)
    z = np.random.default_rng(2).normal(size=(2, 4, 4, 4))
    layers = iter(_weighted_layers(decoder))
    x = _conv(z, next(layers))
    for _ in range(2):
      block = next(layers)
      x = x + _conv(_relu(_conv(_relu(x), block.conv1)), block.conv2)
      x = _conv(np.repeat(np.repeat(_relu(x), 2, axis=1), 2, axis=2), next(layers))
    reference = _conv(_relu(x), next(layers))
    self.assertAllClose(decoder(tf.constant(z, tf.float32)), reference, rtol=1e-4, atol=1e-4)

  def test_scalar_net_gives_one_value_per_image_with_gradients(self):
    net = nets.conv_scalar_net((16, 16, 3), widths=(8, 8))
    with tf.GradientTape() as tape:
      tape.watch(self.images)
      out = net(self.images)
      total = tf.reduce_sum(out)
    self.assertEqual(out.shape, (4,))
    grad = tape.gradient(total, self.images)
    self.assertEqual(grad.shape, self.images.shape)
    self.assertGreater(float(tf.reduce_max(tf.abs(grad))), 0.0)
    # Per-image: changing one image leaves the others' outputs alone.
    changed = tf.concat([self.images[:1] * 0.0, self.images[1:]], 0)
    out2 = net(changed)
    self.assertAllClose(out[1:], out2[1:])
    self.assertGreater(float(tf.abs(out[0] - out2[0])), 1e-6)

  def test_residual_blocks_are_trainable(self):
    plain = nets.conv_encoder((16, 16, 3), widths=(8,), output_dim=2, blocks_per_stage=0)
    resnet = nets.conv_encoder((16, 16, 3), widths=(8,), output_dim=2, blocks_per_stage=2)
    # Each residual block adds two 3x3 convs of 8 -> 8 channels: 2 * (9 * 8 * 8 + 8) weights.
    extra = resnet.count_params() - plain.count_params()
    self.assertEqual(extra, 2 * 2 * (9 * 8 * 8 + 8))

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, "exactly one"):
      nets.conv_encoder((16, 16, 3), output_dim=2, latent_channels=2)
    with self.assertRaisesRegex(ValueError, "divisible"):
      nets.conv_decoder((20, 20, 3), widths=(8, 8, 8), latent_dim=2)
    with self.assertRaisesRegex(ValueError, "widths"):
      nets.conv_encoder((16, 16, 3), widths=(), output_dim=2)


if __name__ == "__main__":
  tf.test.main()
