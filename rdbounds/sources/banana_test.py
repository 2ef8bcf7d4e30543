"""The banana source: its moments and entropy, its embedding, and refused options."""

import math

import numpy as np
from absl.testing import parameterized
import tensorflow as tf

from rdbounds import sources
from rdbounds.sources import banana


class BananaTest(tf.test.TestCase, parameterized.TestCase):

  def test_banana_moments(self):
    # Mean: rotate (0, -0.1 E[z1^2]) = (0, -0.9) by 240 degrees, shift by (1, 1).
    x = sources.BananaSource().sample(400_000, seed=0).numpy()
    angle = math.radians(240)
    expected = np.array([0.9 * math.sin(angle), -0.9 * math.cos(angle)]) + 1.0
    self.assertAllClose(x.mean(0), expected, atol=0.02)
    # The transform is volume preserving, so the log density integrates like h(Z).
    log_p = sources.BananaSource().distribution.log_prob(x[:20000]).numpy()
    self.assertAllClose(-log_p.mean(), sources.BananaSource().differential_entropy_nats, atol=0.03)

  @parameterized.parameters(3, 16)
  def test_banana_embedding_preserves_per_dim_distortion(self, dim):
    w = banana.embedding_matrix(dim)
    self.assertAllClose(w.T @ w / dim, np.eye(2) / 2, atol=1e-12)
    source = sources.BananaSource(dim)
    x = source.sample(1000, seed=2).numpy()
    u = source.quadratic_view().to_base(x)
    self.assertAllClose(x, u @ w.T, atol=1e-4)  # Samples lie in the span of W.
    self.assertAllClose(u, sources.BananaSource(2).sample(1000, seed=2), atol=1e-4)

  def test_bad_options(self):
    with self.assertRaisesRegex(ValueError, "valid: banana"):
      sources.make_source("mnist")
    with self.assertRaisesRegex(ValueError, "dim >= 2"):
      sources.make_source("banana", dim=1)
    with self.assertRaisesRegex(ValueError, "split"):
      sources.BananaSource().sample(4, 0, split="validation")


if __name__ == "__main__":
  tf.test.main()
