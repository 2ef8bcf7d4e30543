"""Shapes, ranges and gradients of the network builders in `rdbounds.nets`."""

import numpy as np
import tensorflow as tf

from rdbounds import nets


class MlpTest(tf.test.TestCase):

  def test_shape(self):
    net = nets.mlp([8, 8], 3)
    self.assertEqual(net(tf.zeros([5, 2])).shape, (5, 3))


class ConvTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    tf.keras.utils.set_random_seed(0)
    self.images = tf.random.stateless_uniform([4, 16, 16, 3], [1, 2])

  def test_encoder_vector_code(self):
    encoder = nets.conv_encoder((16, 16, 3), widths=(8, 16), output_dim=5)
    self.assertEqual(encoder(self.images).shape, (4, 5))

  def test_encoder_latent_map_halves_resolution_per_stage(self):
    encoder = nets.conv_encoder((16, 16, 3), widths=(8, 16, 16), latent_channels=6)
    self.assertEqual(encoder(self.images).shape, (4, 2, 2, 6))
    # Odd sizes round up, as with 'same' padding.
    odd = nets.conv_encoder((10, 10, 1), widths=(4, 4), latent_channels=2)
    self.assertEqual(odd(tf.zeros([1, 10, 10, 1])).shape, (1, 3, 3, 2))

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

  def test_encoder_decoder_round_trip_shapes(self):
    encoder = nets.conv_encoder((16, 16, 3), widths=(8, 16), latent_channels=4)
    decoder = nets.conv_decoder((16, 16, 3), widths=(16, 8), latent_channels=4)
    self.assertEqual(decoder(encoder(self.images)).shape, self.images.shape)

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
