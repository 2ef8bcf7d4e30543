"""The GAN source: the shipped generator and BigGAN-style TF-Hub modules."""

import os
import shutil
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf

from rdbounds import sources
from rdbounds.sources import gan
from rdbounds.sources import stratified_latents


class ShippedGanTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.source = sources.make_source("gan", intrinsic_dim=2)

  def test_shipped_file_is_small(self):
    self.assertLess(os.path.getsize(gan.SHIPPED_GENERATOR), 4 * 2**20)

  def test_samples_have_image_shape_and_range(self):
    x = self.source.sample(16, seed=3)
    self.assertEqual(x.shape, (16, 32, 32, 3))
    self.assertEqual(self.source.event_shape, (32, 32, 3))
    self.assertEqual(self.source.pixels_per_sample, 1024)
    self.assertAllInRange(x, 0.0, 1.0)
    # Different latents give visibly different images (not a collapsed or constant generator).
    self.assertGreater(float(tf.reduce_mean(tf.math.reduce_std(x, axis=0))), 0.05)
    self.assertEqual(self.source.describe()["intrinsic_dim"], 2)

  def test_sampling_is_stateless_and_splits_differ(self):
    a = self.source.sample(8, seed=[1, 2])
    self.assertAllEqual(a, self.source.sample(8, seed=[1, 2]))
    self.assertGreater(float(tf.reduce_max(tf.abs(a - self.source.sample(8, [1, 2], "test")))), 0.01)

  def test_a_draw_is_the_same_in_pieces(self):
    # Large draws call the generator DECODE_ROWS images at a time: a row mislaid between
    # pieces, or a piece drawn from other latents, changes the draw a seed names.
    whole = self.source.sample(10, seed=[8, 9], split="test")
    with mock.patch.object(gan, "DECODE_ROWS", 3):
      pieces = self.source.sample(10, seed=[8, 9], split="test")
    self.assertAllClose(pieces, whole, atol=1e-6)

  def test_latents_are_truncated_and_only_d_active(self):
    source = sources.make_source("gan", intrinsic_dim=3, truncation=0.5)
    seed = tf.constant([4, 5])
    active = source.active_latents(4096, seed)
    self.assertEqual(active.shape, (4096, 3))
    self.assertLessEqual(float(tf.reduce_max(tf.abs(active))), 2 * 0.5 + 1e-6)
    # Std of N(0, 1) truncated at +-2 is 0.880; times the truncation 0.5.
    self.assertAllClose(np.std(active.numpy()), 0.5 * 0.880, atol=0.01)
    z = gan.embed(active, source.latent_dim)
    self.assertAllEqual(z[:, 3:], tf.zeros([4096, 125]))
    # The source's samples are exactly the generator at those latents.
    x = source.sample(4, seed=[6, 7])
    z = gan.embed(source.active_latents(4, sources.stateless_seed([6, 7], 0)), 128)
    self.assertAllClose(x, source.generate(z))

  def test_evaluation_draws_are_the_generator_at_spread_latents(self):
    # The lower bound's draws: images of truncation x the stratified latents, a new shift per
    # draw (the draws independent), the same draws for the same seed.
    batches = self.source.test_batches(64, 2, seed=(3, 4))
    first = batches[0]
    self.assertEqual(first.shape, (64, 32, 32, 3))
    self.assertAllEqual(first, self.source.test_batches(64, 2, seed=(3, 4))[0])
    self.assertGreater(float(tf.reduce_max(tf.abs(first - batches[1]))), 0.01)
    latents = stratified_latents.truncated_normal_latents(
        64, 2, sources.stateless_seed((3, 4), 0, 1))
    self.assertAllClose(first, self.source.decode(gan.DEFAULT_TRUNCATION * latents), atol=1e-6)
    self.assertEqual(self.source.describe()["latent_draws"], "sobol")

  def test_iid_evaluation_draws_are_the_samplers_and_a_bad_choice_is_refused(self):
    iid = sources.make_source("gan", intrinsic_dim=2, latent_draws="iid")
    self.assertAllEqual(iid.test_batches(8, 1, seed=(3, 4))[0],
                        iid.sample(8, seed=sources.stateless_seed((3, 4), 0), split="test"))
    self.assertNotEqual(iid.describe(), self.source.describe())
    with self.assertRaisesRegex(ValueError, "latent_draws must be one of sobol, iid"):
      gan.GanSource(self.source.generate, 128, (32, 32, 3), 2, latent_draws="qmc")

  def test_samples_with_d_2_lie_on_a_2d_manifold(self):
    # The Jacobian of the generator w.r.t. all 128 latent coordinates has high rank; the
    # source only moves z within its first d = 2 coordinates, so its images form a 2-d
    # manifold: the Jacobian of its decoder has rank exactly 2 (not less).
    # Jacobian columns by forward-mode differentiation, all directions in one batch.
    points = 3
    active = self.source.active_latents(points, tf.constant([8, 9]))  # [3, 2]
    z = gan.embed(active, 128)  # [3, 128]

    def jacobians(fn, x):
      """[points, outputs, k] Jacobians of fn at the k-dim points x [points, k]."""
      k = x.shape[1]
      primals = tf.repeat(x, k, axis=0)  # [points * k, k]
      tangents = tf.tile(tf.eye(k), [points, 1])
      with tf.autodiff.ForwardAccumulator(primals, tangents) as acc:
        out = fn(primals)
      columns = tf.reshape(acc.jvp(out), [points, k, -1])
      return tf.transpose(columns, [0, 2, 1]).numpy()

    jac_source = jacobians(self.source.decode, active)  # [3, 3072, 2]
    jac_full = jacobians(self.source.generate, z)  # [3, 3072, 128]
    for i in range(points):
      s_source = np.linalg.svd(jac_source[i], compute_uv=False)
      s_full = np.linalg.svd(jac_full[i], compute_uv=False)
      self.assertLen(s_source, 2)
      self.assertGreater(s_source[1], 1e-3 * s_source[0])  # Rank exactly 2.
      # The first two columns of the full Jacobian are the source's: the same map.
      self.assertAllClose(jac_full[i][:, :2], jac_source[i], atol=1e-4)
      rank_full = int(np.sum(s_full > 1e-3 * s_full[0]))
      self.assertGreater(rank_full, 20)

  def test_bad_intrinsic_dim(self):
    with self.assertRaisesRegex(ValueError, "intrinsic_dim"):
      sources.make_source("gan")
    with self.assertRaisesRegex(ValueError, "intrinsic_dim"):
      sources.make_source("gan", intrinsic_dim=129)


class StandInBigGan(tf.Module):
  """A tiny module with BigGAN-deep's TF-Hub signature: z [B, 128], one-hot y [B, 5], scalar
  truncation -> {"default": images [B, 8, 8, 3] in [-1, 1]}."""

  def __init__(self):
    super().__init__()
    rng = np.random.default_rng(0)
    self.w = tf.Variable(rng.normal(size=[128, 192]).astype(np.float32) / 4)
    self.v = tf.Variable(rng.normal(size=[5, 192]).astype(np.float32))

  @tf.function(input_signature=[tf.TensorSpec([None, 128], tf.float32, name="z"),
                                tf.TensorSpec([None, 5], tf.float32, name="y"),
                                tf.TensorSpec([], tf.float32, name="truncation")])
  def __call__(self, z, y, truncation):
    h = tf.matmul(z / truncation, self.w) + tf.matmul(y, self.v)
    return {"default": tf.reshape(tf.tanh(h), [-1, 8, 8, 3])}


class HubModuleTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.tmp = tempfile.mkdtemp()
    cls.module_dir = os.path.join(cls.tmp, "stand_in_biggan")
    module = StandInBigGan()
    tf.saved_model.save(module, cls.module_dir, signatures={"default": module.__call__})
    cls.w, cls.v = module.w.numpy(), module.v.numpy()

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.tmp, ignore_errors=True)
    super().tearDownClass()

  def test_loads_through_make_source_and_maps_to_unit_range(self):
    source = sources.make_source("gan", intrinsic_dim=2, gan_module=self.module_dir,
                                 gan_class=3, truncation=0.5)
    self.assertEqual(source.event_shape, (8, 8, 3))
    x = source.sample(6, seed=11)
    self.assertEqual(x.shape, (6, 8, 8, 3))
    self.assertAllInRange(x, 0.0, 1.0)
    # The same numbers by hand: z has 2 active coordinates, y = e_3, truncation 0.5.
    active = source.active_latents(6, sources.stateless_seed(11, 0)).numpy()
    z = np.concatenate([active, np.zeros([6, 126], np.float32)], 1)
    expected = (np.tanh(z / 0.5 @ self.w + self.v[3]).reshape(6, 8, 8, 3) + 1) / 2
    self.assertAllClose(x, expected, atol=1e-5)
    self.assertEqual(source.describe()["gan_class"], 3)

  def test_tf1_hub_format_loads_too(self):
    path = os.path.join(self.tmp, "stand_in_biggan_tf1")
    _save_tf1_hub_module(path, self.w, self.v)
    source = sources.make_source("gan", intrinsic_dim=4, gan_module=path, gan_class=1)
    x = source.sample(3, seed=12)
    active = source.active_latents(3, sources.stateless_seed(12, 0)).numpy()
    z = np.concatenate([active, np.zeros([3, 124], np.float32)], 1)
    expected = (np.tanh(z / 0.8 @ self.w + self.v[1]).reshape(3, 8, 8, 3) + 1) / 2
    self.assertAllClose(x, expected, atol=1e-5)

  def test_bad_class_and_bad_paths(self):
    with self.assertRaisesRegex(sources.DataError, "gan_class=5"):
      sources.make_source("gan", intrinsic_dim=2, gan_module=self.module_dir, gan_class=5)
    with self.assertRaisesRegex(sources.DataError, "not a directory"):
      sources.make_source("gan", intrinsic_dim=2, gan_module="/nonexistent/biggan")
    empty = _tempdir(self)
    with self.assertRaisesRegex(sources.DataError, "not a loadable TF-Hub module"):
      sources.make_source("gan", intrinsic_dim=2, gan_module=empty)


def _save_tf1_hub_module(path, w, v):
  """The stand-in's function in TF1 Hub format (graph, empty tag set, tfhub_module.pb), the
  format BigGAN-deep is published in."""
  from tensorflow_hub import module_def_pb2  # pylint: disable=g-import-not-at-top
  with tf.Graph().as_default():
    z = tf.compat.v1.placeholder(tf.float32, [None, 128], name="z")
    y = tf.compat.v1.placeholder(tf.float32, [None, 5], name="y")
    truncation = tf.compat.v1.placeholder(tf.float32, [], name="truncation")
    w_var = tf.compat.v1.get_variable("w", initializer=w)
    v_var = tf.compat.v1.get_variable("v", initializer=v)
    h = tf.matmul(z / truncation, w_var) + tf.matmul(y, v_var)
    images = tf.reshape(tf.tanh(h), [-1, 8, 8, 3])
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      builder = tf.compat.v1.saved_model.Builder(path)
      signature = tf.compat.v1.saved_model.signature_def_utils.predict_signature_def(
          {"z": z, "y": y, "truncation": truncation}, {"default": images})
      builder.add_meta_graph_and_variables(session, [], signature_def_map={"default": signature})
      builder.save()
  with open(os.path.join(path, "tfhub_module.pb"), "wb") as f:
    f.write(module_def_pb2.ModuleDef(format=module_def_pb2.ModuleDef.FORMAT_V3).SerializeToString())


def _tempdir(test):
  path = tempfile.mkdtemp()
  test.addCleanup(shutil.rmtree, path, ignore_errors=True)
  return path


if __name__ == "__main__":
  tf.test.main()
