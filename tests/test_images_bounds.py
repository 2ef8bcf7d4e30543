"""The sandwich on image sources: the CNN log u with Gram-form C_k (lower), both bounds on tiny
images (the conv beta-VAE's own tests: rdbounds/upper/conv_test.py)."""

import math

import numpy as np
import tensorflow as tf

from rdbounds import estimators
from rdbounds.lower import config as lb_config
from rdbounds.lower import conv as lb_conv
from rdbounds.lower import estimator as lb
from rdbounds.lower import search
from rdbounds.upper.conv_test import TinyImages, ub_tiny


def lb_tiny(**overrides):
  return lb_config.IMAGE_PRESETS["quick"].override(**dict(dict(
      model="mlp", channels=(8, 8), k=64, eval_k=None, steps=40, m=5, anneal=True,
      steps_per_call=20, log_every=1000, projection=(), train_pool=0),
      **overrides))


class ImageLowerBoundPiecesTest(tf.test.TestCase):

  def test_gram_form_equals_direct_form_on_images(self):
    source = TinyImages()
    x = source.sample(48, seed=4)  # n = 192 > k = 48
    log_u = lb_conv.conv_log_u(source.event_shape, [8, 8], 0)
    lb_conv.standardize_images(log_u, source.sample(256, seed=5).numpy())
    log_w = -log_u(x) - math.log(48)
    for lmbda in (30.0, 300.0):
      gram = search.find_mode(x, log_w, lmbda, gram=True)
      direct = search.find_mode(x, log_w, lmbda, gram=False)
      self.assertAllClose(gram.log_c, direct.log_c, atol=1e-5)
      self.assertAllClose(gram.y, direct.y, atol=2e-3)
      # The sup is at least the value at every sample (a brute-force check in numpy).
      flat = tf.reshape(x, [48, -1]).numpy().astype(np.float64)
      rho = np.mean((flat[:, None, :] - flat[None, :, :])**2, axis=2)
      at_samples = np.log(np.sum(np.exp(log_w.numpy()[:, None] - lmbda * rho), axis=0))
      self.assertGreaterEqual(float(gram.log_c), at_samples.max() - 1e-6)
      value_at_y = np.log(np.sum(np.exp(
          log_w.numpy() - lmbda * np.mean((flat - gram.y.numpy())**2, axis=1))))
      self.assertAllClose(gram.log_c, value_at_y, atol=1e-6)

  def test_cnn_log_u_standardization_and_shape(self):
    source = TinyImages()
    log_u = lb.build_log_u(source, lb_tiny(), seed=0)
    samples = source.sample(2000, seed=(0, 2**20)).numpy()
    self.assertAllClose(log_u.loc, samples.mean(0), atol=1e-5)
    self.assertAllClose(log_u.scale, np.full((8, 8, 3), samples.std()), rtol=1e-4)
    self.assertEqual(log_u(source.sample(7, seed=1)).shape, (7,))


class ImageSandwichTest(tf.test.TestCase):

  def test_every_lower_bound_line_lies_below_every_upper_bound_point(self):
    source = TinyImages()
    lambdas = [100.0, 1000.0]
    ub_est, lb_est = estimators.get("upper_bound"), estimators.get("lower_bound")
    context = estimators.JobContext(None, lambda line: None)
    points = []
    for lmbda in lambdas:
      points += ub_est(source, estimators.Job("upper_bound", lmbda, 0, ub_tiny(), source.spec), context)
    lines = []
    for job in lb_est.plan_jobs(lambdas, 0, lb_tiny(), source.spec):
      lines += lb_est(source, job, context)
    self.assertLen(points, 2)
    self.assertEqual(sorted(r.lmbda for r in lines), lambdas)
    for p in points:
      self.assertEqual(p.pixels_per_sample, 64)
      self.assertAllClose(p.bpp, p.rate_nats / math.log(2) / 64)
      self.assertAllClose(p.psnr_db, -10 * math.log10(p.distortion))
      self.assertGreater(p.psnr_db, 10.0)
    for line in lines:
      self.assertEqual(line.pixels_per_sample, 64)
      self.assertLessEqual(line.intercept_nats, math.log(64) + 1e-9)
      self.assertGreater(line.intercept_nats, 0.0)  # the CNN log u learned something
      for p in points:
        self.assertLessEqual(line.intercept_nats, p.rate_nats + line.lmbda * p.distortion,
                             msg=f"LB line at lambda={line.lmbda} above UB point at {p.lmbda}")
    # The UB trades rate for distortion as lambda grows.
    self.assertLess(points[1].distortion, points[0].distortion)


if __name__ == "__main__":
  tf.test.main()
