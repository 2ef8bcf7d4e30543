"""Image sources: the shipped GAN generator, BigGAN-style TF-Hub modules, and image folders."""

import os
import shutil
import tempfile

import numpy as np
from PIL import Image
import tensorflow as tf

from rdbounds import sources
from rdbounds.sources import gan
from rdbounds.sources import images


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


def _write_images(directory, sizes):
  """PNGs whose red channel is 10 x (file number + 1), green the row, blue the column."""
  for i, (h, w) in enumerate(sizes):
    pixels = np.zeros([h, w, 3], np.uint8)
    pixels[..., 0] = 10 * (i + 1)
    pixels[..., 1] = np.arange(h)[:, None]
    pixels[..., 2] = np.arange(w)[None, :]
    Image.fromarray(pixels).save(os.path.join(directory, f"im{i}.png"))


class ImageFolderTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.dir = _tempdir(self)
    self.sizes = [(20, 30), (24, 24), (16, 40), (30, 18), (12, 12), (40, 40), (22, 26), (18, 18),
                  (26, 14), (32, 20)]
    _write_images(self.dir, self.sizes)

  def test_crops_have_shape_range_and_are_windows_of_one_file(self):
    source = sources.make_source("images", data=self.dir, crop=8, seed=1)
    self.assertEqual(source.event_shape, (8, 8, 3))
    x = source.sample(64, seed=5).numpy()
    self.assertEqual(x.shape, (64, 8, 8, 3))
    self.assertAllInRange(x, 0.0, 1.0)
    pixels = np.round(x * 255).astype(int)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    self.assertTrue(np.all(red == red[:, :1, :1]))  # One file per crop.
    self.assertAllEqual(green - green[:, :1, :1], np.broadcast_to(np.arange(8)[:, None], (64, 8, 8)))
    self.assertAllEqual(blue - blue[:, :1, :1], np.broadcast_to(np.arange(8)[None, :], (64, 8, 8)))
    # Windows inside their image.
    file = red[:, 0, 0] // 10 - 1
    heights = np.array(self.sizes)[file, 0]
    widths = np.array(self.sizes)[file, 1]
    self.assertTrue(np.all(green[:, -1, 0] < heights) and np.all(blue[:, 0, -1] < widths))
    self.assertAllEqual(x, source.sample(64, seed=5))  # Stateless.

  def test_compiled_training_draws_equal_eager_draws(self):
    # The trainer compiles draws of unbounded sources; crops must be traceable TF ops.
    from rdbounds import training  # pylint: disable=g-import-not-at-top
    source = sources.make_source("images", data=self.dir, crop=8, seed=1)
    chunk = training.sample_chunk(source, 16, 3, seed=4, first_step=10)
    for i in range(3):
      self.assertAllEqual(chunk[i], source.sample(16, seed=(4, 10 + i)))

  def test_split_by_file_is_disjoint(self):
    source = images.ImageFolderSource(self.dir, crop=8, test_fraction=0.3, split_seed=2)
    self.assertEqual(source.num_files, {"train": 7, "test": 3})
    self.assertEmpty(set(source.files["train"]) & set(source.files["test"]))
    seen = {}
    for split in ("train", "test"):
      red = np.round(source.sample(500, seed=0, split=split).numpy()[:, 0, 0, 0] * 255)
      seen[split] = {os.path.join(self.dir, f"im{int(r) // 10 - 1}.png") for r in red}
      self.assertLessEqual(seen[split], set(source.files[split]))
    self.assertEqual(seen["test"], set(source.files["test"]))  # Every test file is drawn.
    # Another split seed holds out other files.
    other = images.ImageFolderSource(self.dir, crop=8, test_fraction=0.3, split_seed=3)
    self.assertNotEqual(other.files["test"], source.files["test"])

  def test_files_are_drawn_in_proportion_to_their_crop_positions(self):
    source = images.ImageFolderSource(self.dir, crop=8, test_fraction=0.3, split_seed=2)
    red = np.round(source.sample(20000, seed=1).numpy()[:, 0, 0, 0] * 255).astype(int)
    positions = {}
    for path in source.files["train"]:
      h, w = self.sizes[int(os.path.basename(path)[2:-4])]
      positions[path] = (h - 7) * (w - 7)
    total = sum(positions.values())
    for path, count in positions.items():
      i = int(os.path.basename(path)[2:-4])
      self.assertAllClose(np.mean(red == 10 * (i + 1)), count / total, atol=0.015)

  def test_grey_and_jpeg_files_become_rgb(self):
    grey = np.tile(np.arange(16, dtype=np.uint8)[None] * 10, [16, 1])
    Image.fromarray(grey, "L").save(os.path.join(self.dir, "grey.png"))
    Image.fromarray(np.full([16, 16, 3], 200, np.uint8)).save(os.path.join(self.dir, "x.JPG"))
    source = images.ImageFolderSource(self.dir, crop=8)
    self.assertLen(source.files["train"] + source.files["test"], 12)
    self.assertEqual(source.sample(4, 0).shape, (4, 8, 8, 3))

  def test_bad_files_raise_one_line_errors_naming_the_file(self):
    bad = os.path.join(self.dir, "broken.png")
    with open(bad, "wb") as f:
      f.write(b"this is not a png")
    with self.assertRaises(sources.DataError) as ctx:
      sources.make_source("images", data=self.dir, crop=8)
    self.assertIn(bad, str(ctx.exception))
    self.assertNotIn("\n", str(ctx.exception))
    os.remove(bad)
    # im4 is 12x12: too small for a 16-pixel crop.
    with self.assertRaisesRegex(sources.DataError, r"im4\.png: image is 12x12 pixels, smaller than"):
      sources.make_source("images", data=self.dir, crop=16)

  def test_bad_folders(self):
    with self.assertRaisesRegex(sources.DataError, "not a directory"):
      sources.make_source("images", data=os.path.join(self.dir, "missing"), crop=8)
    empty = _tempdir(self)
    with self.assertRaisesRegex(sources.DataError, "no PNG or JPEG"):
      sources.make_source("images", data=empty, crop=8)
    _write_images(empty, [(10, 10)])
    with self.assertRaisesRegex(sources.DataError, "at least 2"):
      sources.make_source("images", data=empty, crop=8)
    with self.assertRaisesRegex(ValueError, "--data"):
      sources.make_source("images", crop=8)


if __name__ == "__main__":
  tf.test.main()
