"""Grey photographs: detected exactly, decoded on the grey axis, and charged their flag."""

import math

import numpy as np
import tensorflow as tf

from rdbounds.upper import grey
from rdbounds.upper import whole_images


class _ChromaErrorModel(tf.Module):
  """Reconstructs x + (d, -d, 0) at zero rate: an error the grey axis does not see."""
  stride = 1

  def __init__(self, d):
    super().__init__()
    self.d = d

  def encode(self, x):
    return x, tf.zeros_like(x)

  def rate_and_reconstruction(self, mu, raw_sigma, seed):
    del raw_sigma, seed
    return {"rate": tf.zeros([tf.shape(mu)[0]]),
            "y": mu + tf.constant([self.d, -self.d, 0.0])}


class GreyTest(tf.test.TestCase):

  def test_one_differing_value_makes_an_image_colour(self):
    image = np.repeat(np.random.default_rng(0).integers(0, 256, [5, 4, 1], np.uint8), 3, -1)
    self.assertTrue(grey.is_grey(image))
    self.assertTrue(grey.is_grey(image.astype(np.float32) / 255))
    image[4, 3, 2] ^= 1
    self.assertFalse(grey.is_grey(image))
    self.assertFalse(grey.is_grey(image[..., :1]))

  def test_grey_images_lose_the_chroma_error_and_every_rgb_image_pays_the_flag(self):
    # The model's error (d, -d, 0) has mean 0 over the channels: on the grey axis a grey
    # image is reconstructed exactly, a colour one keeps MSE 2 d^2 / 3. Both cost ln 2 nats.
    rng = np.random.default_rng(1)
    grey_image = np.repeat(rng.uniform(0.2, 0.8, [6, 5, 1]), 3, -1).astype(np.float32)
    colour_image = rng.uniform(0.2, 0.8, [6, 5, 3]).astype(np.float32)
    d = 0.1
    for image, distortion in ((grey_image, 0.0), (colour_image, 2 * d**2 / 3)):
      point = whole_images.evaluate(_ChromaErrorModel(d), [image])
      self.assertAllClose(point.distortion, distortion, atol=1e-7)
      self.assertAllClose(point.rate_per_pixel, math.log(2.0) / 30)


if __name__ == "__main__":
  tf.test.main()
