"""Vector codecs: exact round trips, honest rates, and no point below the true R(D)."""

import numpy as np
import tensorflow as tf

from rdbounds import blahut_arimoto
from rdbounds.codecs import base
from rdbounds.codecs import config as codec_config
from rdbounds.codecs import ntc
from rdbounds.codecs import scalar
from rdbounds.sources import make_source

TINY_NTC = codec_config.NTCCodecConfig(widths=(32, 32), steps=400, batch_size=256,
                                       learning_rate=3e-3)


class VarintTest(tf.test.TestCase):

  def test_round_trip(self):
    for value in (0, 1, 127, 128, 300, 16383, 16384, 2**40):
      data = base.encode_varint(value) + b"tail"
      decoded, position = base.decode_varint(data)
      self.assertEqual(decoded, value)
      self.assertEqual(data[position:], b"tail")


class ScalarQuantizerTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.source = make_source("gaussian", dim=2)
    cls.train = cls.source.sample(50_000, seed=1).numpy()

  def test_round_trip_equals_quantizer_including_unseen_values(self):
    codec = scalar.ScalarQuantizer(self.train, step=0.3)
    x = self.source.sample(500, seed=2, split="test").numpy()
    # Far outside the training range: coded through the overflow escape.
    x[:3] = [[40.0, -55.0], [-1e3, 7.0], [0.0, 300.0]]
    decoded = codec.decode(codec.encode(x))
    self.assertAllEqual(decoded, codec.quantize(x))
    self.assertLess(np.max(np.abs(decoded - x)), 0.3)  # Within one step everywhere.

  def test_finer_steps_cost_more_bits_and_less_distortion(self):
    points = [base.measure(scalar.ScalarQuantizer(self.train, s), self.source, n_eval=2000)
              for s in (1.0, 0.5, 0.25)]
    rates = [p.rate_nats for p in points]
    distortions = [p.distortion for p in points]
    self.assertAllGreater(np.diff(rates), 0.4)  # ~ln 2 per halving per dim, 2 dims.
    self.assertAllLess(np.diff(distortions), 0.0)

  def test_high_rate_gap_to_the_gaussian_rd_is_the_scalar_quantizer_gap(self):
    # At high rate, entropy-coded uniform scalar quantization is 1/2 ln(2 pi e / 12) nats per
    # dimension above R(D) (the 1.53 dB / 0.254 bit space-filling loss).
    point = base.measure(scalar.ScalarQuantizer(self.train, 0.05), self.source, n_eval=4000)
    gap = point.rate_nats - self.source.analytic.rate(point.distortion)
    self.assertNear(gap / 2, 0.5 * np.log(2 * np.pi * np.e / 12), 0.03)


class VectorNTCTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.source = make_source("gaussian", dim=2)
    cls.codecs = [ntc.train_vector_ntc(cls.source, lmbda, TINY_NTC, seed=3) for lmbda in (1.0, 8.0)]

  def test_round_trip_is_bit_exact(self):
    x = self.source.sample(700, seed=5, split="test").numpy()
    for codec in self.codecs:
      bitstreams = codec.encode(x)
      self.assertLen(bitstreams, 1)  # One bitstream per block.
      self.assertAllEqual(codec.decode(bitstreams), codec.reconstruct(x))

  def test_measured_rate_is_the_model_rate_plus_a_few_bytes(self):
    for codec in self.codecs:
      for seed in range(3):
        x = self.source.sample(1000, seed=(7, seed), split="test").numpy()
        measured = 8 * sum(len(b) for b in codec.encode(x))
        model = codec.model_bits(x)
        self.assertGreaterEqual(measured, model)
        self.assertLessEqual(measured, model + 8 * 6)

  def test_higher_lambda_gives_less_distortion_and_more_rate(self):
    low, high = [base.measure(c, self.source, n_eval=2000) for c in self.codecs]
    self.assertLess(high.distortion, low.distortion)
    self.assertGreater(high.rate_nats, low.rate_nats)

  def test_every_codec_point_lies_on_or_above_the_true_rd(self):
    train = self.source.sample(50_000, seed=1).numpy()
    codecs = self.codecs + [scalar.ScalarQuantizer(train, s) for s in scalar.step_sweep(train, 5)]
    for codec in codecs:
      point = base.measure(codec, self.source, n_eval=4000, block_size=1000)
      # Allow for the sampling error of the measured point (3 standard errors).
      truth = self.source.analytic.rate(point.distortion + 3 * point.distortion_se)
      self.assertGreaterEqual(point.rate_nats + 3 * (point.rate_nats_se or 0), truth,
                              msg=f"{codec.name} {codec.setting}")


class BananaTest(tf.test.TestCase):

  def test_codec_points_lie_above_the_blahut_arimoto_curve(self):
    source = make_source("banana", dim=2)
    train = source.sample(30_000, seed=1).numpy()
    lambdas = [0.3, 1.0, 3.0, 10.0]
    results = blahut_arimoto.sweep_samples(train, lambdas, bins=30, tol=1e-3,
                                           max_iterations=2000)
    intercepts = np.array([r.intercept_upper for r in results])
    codecs = [scalar.ScalarQuantizer(train, s) for s in (4.0, 2.0, 1.0, 0.5)]
    codecs.append(ntc.train_vector_ntc(source, 1.0, TINY_NTC, seed=4))
    for codec in codecs:
      point = base.measure(codec, source, n_eval=3000)
      # The BA curve lies on or above each of its tangent lines R = F(lambda) - lambda D.
      ba = np.max(intercepts - np.array(lambdas) * point.distortion)
      # Tolerance: histogram discretization of BA (~bin width^2 / 12 in D) and sampling.
      self.assertGreaterEqual(point.rate_nats + 3 * (point.rate_nats_se or 0) + 0.02, ba,
                              msg=f"{codec.name} {codec.setting}")


if __name__ == "__main__":
  tf.test.main()
