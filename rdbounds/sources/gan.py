"""GAN-generated images with a controlled intrinsic dimension (Yang & Mandt 2022, Sec. 5.3).

A generator `G: R^128 -> [0, 1]^(H x W x C)` is fed latent codes whose first `d` coordinates are
`truncation x TruncatedNormal(0, 1)` (truncated at +-2 standard deviations, as in BigGAN's
"truncation trick") and whose other coordinates are zero. The images are then
high-dimensional (H*W*C numbers) but lie on a d-dimensional manifold: the source's output
depends on z only through its first d coordinates.

Two generators:
  * the small DCGAN-style generator that ships in `data/` (`GanSource.shipped`), built by
    `dcgan_generator` and trained by `experiments/train_gan.py`; its weights are a `.npz`
    holding the architecture's hyper-parameters and one array per variable;
  * a BigGAN-deep TF-Hub module a user has on disk (`GanSource.from_hub`), loaded with
    `tensorflow_hub` (pinned to 0.15.0) from a local path, never from the network. Its default
    signature takes `z` [B, 128], one-hot `y` [B, num_classes] and a scalar `truncation`, and
    returns images [B, H, W, 3] in [-1, 1].
"""

import json
import os
from typing import Callable, Optional, Sequence

import numpy as np
import tensorflow as tf

from rdbounds import nets
from rdbounds import pieces
from rdbounds.sources import base
from rdbounds.sources import stratified_latents
from rdbounds.sources.npy_files import DataError

LATENT_DIM = 128
DEFAULT_TRUNCATION = 0.8
# How evaluation draws spread their latents: "sobol" (`stratified_latents`: each sample has the
# source's law, a draw covers the latent space evenly) or "iid".
LATENT_DRAWS = ("sobol", "iid")
# Images per generator call when sampling (bounds the memory of large draws).
DECODE_ROWS = 4096
# The shipped generator, relative to the repository root.
SHIPPED_GENERATOR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "data", "gan_generator_32x32x3.npz")


# --------------------------------------------------------------------------------------------
# The shipped DCGAN-style generator.

class PixelNorm(tf.keras.layers.Layer):
  """Normalizes each pixel's feature vector to unit root-mean-square (Karras et al. 2018).

  Stateless (unlike batch norm), so the trained generator is the same function at training and
  sampling time. `[B, H, W, F] -> [B, H, W, F]`.
  """

  def call(self, x):
    return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + 1e-8)


def dcgan_generator(latent_dim: int = LATENT_DIM, image_shape: Sequence[int] = (32, 32, 3),
                    widths: Sequence[int] = (128, 128, 64, 32),
                    name: str = "generator") -> tf.keras.Model:
  """A DCGAN-style generator `[B, latent_dim] -> [B, H, W, C]` with values in [0, 1].

  A dense layer makes a `[B, H/2^k, W/2^k, widths[0]]` feature map (k = len(widths) - 1); each
  further width doubles the resolution (nearest-neighbour upsampling, 3x3 conv, leaky ReLU,
  pixel norm); a 3x3 conv and a sigmoid give the image. Smooth almost everywhere, so its
  Jacobian in z is well defined.

  Args:
    latent_dim: size of z.
    image_shape: (H, W, C); H and W must be divisible by 2^(len(widths) - 1).
    widths: feature channels at each resolution, coarsest first.
  """
  height, width, channels = (int(s) for s in image_shape)
  factor = 2**(len(widths) - 1)
  if height % factor or width % factor:
    raise ValueError(f"image size {height}x{width} is not divisible by {factor}")
  z = tf.keras.Input([latent_dim], name="z")
  x = tf.keras.layers.Dense(height // factor * width // factor * widths[0])(z)
  x = tf.keras.layers.Reshape([height // factor, width // factor, widths[0]])(x)
  x = PixelNorm()(tf.keras.layers.LeakyReLU(0.2)(x))
  for w in widths[1:]:
    x = nets.Upsample2x()(x)
    x = tf.keras.layers.Conv2D(w, 3, padding="same")(x)
    x = PixelNorm()(tf.keras.layers.LeakyReLU(0.2)(x))
  x = tf.keras.layers.Conv2D(channels, 3, padding="same", activation="sigmoid")(x)
  return tf.keras.Model(z, x, name=name)


def save_generator(path: str, generator: tf.keras.Model, config: dict, **metadata) -> None:
  """Writes a `dcgan_generator` to `.npz`: its config (JSON), metadata, and weights in order."""
  arrays = {f"w{i:03d}": w for i, w in enumerate(generator.get_weights())}
  np.savez_compressed(path, config=json.dumps(config), metadata=json.dumps(metadata), **arrays)


def load_generator(path: str) -> tf.keras.Model:
  """Rebuilds a generator saved by `save_generator`. Raises `DataError` for a bad file."""
  try:
    with np.load(path, allow_pickle=False) as archive:
      config = json.loads(str(archive["config"]))
      names = sorted(k for k in archive.files if k.startswith("w"))
      weights = [archive[k] for k in names]
  except FileNotFoundError:
    raise DataError(f"{path}: no such generator file") from None
  except Exception as e:
    raise DataError(f"{path}: not a generator .npz ({type(e).__name__}: {e})") from None
  generator = dcgan_generator(**config)
  try:
    generator.set_weights([w.astype(np.float32) for w in weights])
  except ValueError as e:
    raise DataError(f"{path}: weights do not fit the architecture {config} ({e})") from None
  return generator


# --------------------------------------------------------------------------------------------
# BigGAN-deep TF-Hub modules.

def load_hub_generator(path: str, gan_class: int = 0, truncation: float = DEFAULT_TRUNCATION,
                       output_range=(-1.0, 1.0)):
  """Loads a BigGAN-style TF-Hub module from a local directory.

  Args:
    path: directory of the module (a TF1 Hub module or TF2 SavedModel with a `default`
      signature taking `z`, `y`, `truncation`).
    gan_class: class index, fed as a one-hot `y`.
    truncation: scalar fed as `truncation`.
    output_range: (low, high) of the module's images; mapped linearly to [0, 1].

  Returns:
    (generate, latent_dim, image_shape): `generate` maps z `[B, latent_dim]` to images
    `[B, H, W, C]` in [0, 1].
  """
  if not os.path.isdir(path):
    raise DataError(f"{path}: not a directory holding a TF-Hub module")
  import tensorflow_hub as hub  # pylint: disable=g-import-not-at-top  (optional dependency)
  try:
    module = hub.load(path)
  except Exception as e:
    raise DataError(f"{path}: not a loadable TF-Hub module ({type(e).__name__}: "
                    f"{str(e).splitlines()[0] if str(e) else ''})") from None
  signatures = getattr(module, "signatures", {})
  if "default" not in signatures:
    raise DataError(f"{path}: the module has no 'default' signature (has {sorted(signatures)})")
  fn = signatures["default"]
  specs = fn.structured_input_signature[1]
  missing = {"z", "y", "truncation"} - set(specs)
  if missing:
    raise DataError(f"{path}: the default signature lacks inputs {sorted(missing)} "
                    f"(has {sorted(specs)})")
  latent_dim = specs["z"].shape[-1]
  num_classes = specs["y"].shape[-1]
  if latent_dim is None or num_classes is None:
    raise DataError(f"{path}: z and y need static sizes, got {specs['z'].shape}, {specs['y'].shape}")
  if not 0 <= int(gan_class) < num_classes:
    raise DataError(f"{path}: gan_class={gan_class} is outside [0, {num_classes})")
  one_hot = tf.one_hot(int(gan_class), num_classes, dtype=specs["y"].dtype)
  trunc = tf.constant(truncation, specs["truncation"].dtype)
  low, high = (float(v) for v in output_range)

  def generate(z):
    z = tf.cast(z, specs["z"].dtype)
    y = tf.tile(one_hot[None], [tf.shape(z)[0], 1])
    out = fn(z=z, y=y, truncation=trunc)
    if isinstance(out, dict):
      out = out["default"] if "default" in out else next(iter(out.values()))
    images = (tf.cast(out, tf.float32) - low) / (high - low)
    return tf.clip_by_value(images, 0.0, 1.0)

  image_shape = tuple(int(s) for s in generate(tf.zeros([1, latent_dim])).shape[1:])
  generate.module = module  # Keeps the loaded variables alive.
  return generate, int(latent_dim), image_shape


# --------------------------------------------------------------------------------------------
# The source.

class GanSource(base.Source):
  """Images `G(z)` with z's first `intrinsic_dim` coordinates random and the rest zero.

  Args:
    generate: maps z `[B, latent_dim]` to images `[B, H, W, C]` in [0, 1].
    latent_dim: size of z.
    image_shape: (H, W, C).
    intrinsic_dim: d, number of active latent coordinates, 1 <= d <= latent_dim.
    truncation: scale of the active coordinates: z_i = truncation * TruncatedNormal(0, 1)
      (truncated at +-2).
    label: generator name for `name` and `describe()`.
    latent_draws: how evaluation draws (`test_batches`) spread their latents, one of
      `LATENT_DRAWS`: "sobol" (the default: every sample has the source's law, and a draw
      bunches less than i.i.d. samples, which lowers the lower bound's C_k) or "iid".
      Training draws are i.i.d. either way.
  """

  def __init__(self, generate: Callable, latent_dim: int, image_shape: Sequence[int],
               intrinsic_dim: int, truncation: float = DEFAULT_TRUNCATION, label: str = "gan",
               info: Optional[dict] = None, latent_draws: str = "sobol"):
    intrinsic_dim = int(intrinsic_dim)
    if not 1 <= intrinsic_dim <= latent_dim:
      raise ValueError(f"intrinsic_dim must lie in [1, {latent_dim}], got {intrinsic_dim}")
    if not truncation > 0:
      raise ValueError(f"truncation must be positive, got {truncation}")
    if latent_draws not in LATENT_DRAWS:
      raise ValueError(f"latent_draws must be one of {', '.join(LATENT_DRAWS)}, "
                       f"got {latent_draws!r}")
    self.latent_draws = latent_draws
    self.generate = generate
    self.latent_dim = int(latent_dim)
    self.intrinsic_dim = intrinsic_dim
    self.truncation = float(truncation)
    self.event_shape = tuple(int(s) for s in image_shape)
    self.label = label
    self.info = dict(info or {})
    self.name = f"{label}-d={intrinsic_dim}"

  @classmethod
  def shipped(cls, intrinsic_dim: int, truncation: float = DEFAULT_TRUNCATION,
              path: str = SHIPPED_GENERATOR, latent_draws: str = "sobol") -> "GanSource":
    """The small generator shipped in `data/` (see `experiments/train_gan.py`)."""
    generator = load_generator(path)
    call = tf.function(lambda z: generator(z, training=False), reduce_retracing=True)
    shape = generator.output_shape[1:]
    return cls(call, generator.input_shape[-1], shape, intrinsic_dim, truncation,
               label="gan", info={"generator": os.path.basename(path),
                                  "generator_sha256": base.file_sha256(path)},
               latent_draws=latent_draws)

  @classmethod
  def from_hub(cls, path: str, intrinsic_dim: int, gan_class: int = 0,
               truncation: float = DEFAULT_TRUNCATION,
               latent_draws: str = "sobol") -> "GanSource":
    """A BigGAN-deep TF-Hub module on disk; class `gan_class`, the same truncation for z."""
    generate, latent_dim, shape = load_hub_generator(path, gan_class, truncation)
    return cls(generate, latent_dim, shape, intrinsic_dim, truncation, label="biggan",
               info={"gan_module": os.path.basename(os.path.normpath(path)),
                     "gan_module_sha256": base.tree_sha256(path), "gan_class": int(gan_class)},
               latent_draws=latent_draws)

  def active_latents(self, batch_size: int, seed: tf.Tensor) -> tf.Tensor:
    """The d active coordinates `[B, d]`: truncation x TruncatedNormal(0, 1), for a `[2]` seed."""
    return self.truncation * tf.random.stateless_truncated_normal(
        [batch_size, self.intrinsic_dim], seed)

  def decode(self, active: tf.Tensor) -> tf.Tensor:
    """Images `[B, H, W, C]` in [0, 1] from active coordinates `[B, d]` (zeros elsewhere in z).

    This is the map whose image is the source's d-dimensional manifold.
    """
    z = embed(tf.convert_to_tensor(active, tf.float32), self.latent_dim)
    return tf.convert_to_tensor(self.generate(z), tf.float32)

  def test_batches(self, k, num_batches, seed):
    """Independent draws of k samples, each sample of the source's law; with "sobol" latent
    draws the samples of one draw are spread by `stratified_latents` (not independent)."""
    if self.latent_draws == "iid":
      return super().test_batches(k, num_batches, seed)
    self._check_held_out(k, num_batches)
    k = int(k)

    def draw(j):
      draw_seed = base.stateless_seed(seed, j, base.SPLITS["test"])
      active = self.truncation * stratified_latents.truncated_normal_latents(
          k, self.intrinsic_dim, draw_seed)
      return pieces.in_pieces(self.decode, active, DECODE_ROWS)

    return base.Batches(int(num_batches), draw)

  def _sample(self, batch_size, seed, split):
    # The generator's activations grow with its batch: one call on an evaluation draw of the
    # image presets' k = 32768 ran out of memory beside a search. Memory and time of both
    # ways: `benchmarks/images.py`, gan_draw cases (docs/results.md).
    return pieces.in_pieces(self.decode, self.active_latents(batch_size, seed), DECODE_ROWS)

  def describe(self):
    return dict(super().describe(), kind="gan", intrinsic_dim=self.intrinsic_dim,
                truncation=self.truncation, latent_dim=self.latent_dim,
                latent_draws=self.latent_draws, **self.info)


def embed(active: tf.Tensor, latent_dim: int) -> tf.Tensor:
  """Pads `[B, d]` active coordinates with zeros to latent codes `[B, latent_dim]`."""
  return tf.pad(active, [[0, 0], [0, latent_dim - active.shape[-1]]])
