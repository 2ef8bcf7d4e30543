r"""Trains the small generator that ships as `data/gan_generator_32x32x3.npz` (the `gan` source).

Recipe (the artefact in `data/` was made with exactly the defaults):

  TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python experiments/train_gan.py \
      --out=data/gan_generator_32x32x3.npz --preview=/tmp/gan_preview.png

* Data: the seven colour photographs bundled with scikit-image 0.22.0 (`skimage/data`:
  astronaut, chelsea, coffee, rocket, motorcycle_left, motorcycle_right, ihc), each resized
  so its shorter side is 128 px (Lanczos), then `--crops` random 32x32 crops with random
  horizontal flips (seeded), as uint8. No network is used: the photographs ship inside the
  installed package (`pip install -c constraints.txt scikit-image==0.22.0`; needed only to
  retrain, not to use the shipped generator). `--data_dir` points at any other folder of
  PNG/JPEG files instead (all of its images are used).
* Model: `rdbounds.sources.gan.dcgan_generator` (z in R^128 -> dense 4x4x128 -> three
  [upsample x2, 3x3 conv, leaky ReLU, pixel norm] stages with 128/64/32 channels -> 3x3 conv ->
  sigmoid; 0.5 M parameters, ~2 MB as float32) against a DCGAN discriminator (3x3 stride-2
  convs 64/128/256, leaky ReLU, dense -> logit).
* Training: non-saturating GAN loss, R1 gradient penalty (gamma = `--r1`) on real images,
  Adam(2e-4, beta1 = 0.5, beta2 = 0.99) for both nets, batch 64, `--steps` steps, z ~ N(0, I).
* Time: the shipped file (3000 steps) took 2244 s (37 min) on 2 CPU cores shared with other
  jobs (load average ~6; TF 2.14.1, no GPU), about 0.75 s per step; alone on the 2 cores a
  step took 0.27 s, so expect ~14 min. `seconds` in the saved metadata records it.
* Result: 32x32 texture-like patches in the photographs' palettes (sky, skin, stained tissue,
  fur); not photo-realistic, but smooth in z and varied, which is all the intrinsic-dimension
  experiment needs. The .npz is 1.9 MB.

The output `.npz` holds the architecture's config, the weights and metadata (steps, seconds,
data); `rdbounds.sources.gan.load_generator` rebuilds the model from it.
"""

import glob
import json
import os
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
from PIL import Image
import tensorflow as tf

from rdbounds.sources import gan

SKIMAGE_PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg",
                  "motorcycle_left.png", "motorcycle_right.png", "ihc.png")

_OUT = flags.DEFINE_string("out", "data/gan_generator_32x32x3.npz", "Output .npz.")
_DATA_DIR = flags.DEFINE_string("data_dir", None,
                                "Folder of PNG/JPEG photos; default: scikit-image's photos.")
_SHORT_SIDE = flags.DEFINE_integer("short_side", 128, "Resize photos to this shorter side.")
_CROPS = flags.DEFINE_integer("crops", 20000, "Number of random training crops.")
_STEPS = flags.DEFINE_integer("steps", 3000, "Training steps.")
_BATCH = flags.DEFINE_integer("batch", 64, "Batch size.")
_R1 = flags.DEFINE_float("r1", 1.0, "R1 penalty weight gamma (loss += gamma/2 |grad D|^2).")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of crops, initialization and latents.")
_PREVIEW = flags.DEFINE_string("preview", None, "Optional PNG grid of 64 samples.")
_THREADS = flags.DEFINE_integer("threads", 2, "TF intra/inter-op threads.")

SIZE = 32


def photo_paths(data_dir):
  """The training photos: scikit-image's colour photographs, or every image in `data_dir`."""
  if data_dir:
    paths = sorted(p for p in glob.glob(os.path.join(data_dir, "*"))
                   if p.lower().endswith((".png", ".jpg", ".jpeg")))
  else:
    import skimage  # pylint: disable=g-import-not-at-top
    root = os.path.join(os.path.dirname(skimage.__file__), "data")
    paths = [os.path.join(root, name) for name in SKIMAGE_PHOTOS]
  if not paths:
    raise app.UsageError(f"no PNG/JPEG files in {data_dir}")
  return paths


def random_crops(paths, short_side, count, seed):
  """`[count, 32, 32, 3]` uint8 crops, equally many from each photo, randomly flipped."""
  rng = np.random.default_rng(seed)
  crops = []
  for i, path in enumerate(paths):
    image = Image.open(path).convert("RGB")
    scale = short_side / min(image.size)
    image = image.resize((round(image.size[0] * scale), round(image.size[1] * scale)),
                         Image.LANCZOS)
    pixels = np.asarray(image)
    n = count // len(paths) + (i < count % len(paths))
    top = rng.integers(0, pixels.shape[0] - SIZE + 1, n)
    left = rng.integers(0, pixels.shape[1] - SIZE + 1, n)
    rows = top[:, None] + np.arange(SIZE)  # [n, 32]
    cols = left[:, None] + np.arange(SIZE)
    batch = pixels[rows[:, :, None], cols[:, None, :]]  # [n, 32, 32, 3]
    flip = rng.random(n) < 0.5
    batch[flip] = batch[flip, :, ::-1]
    crops.append(batch)
  return np.concatenate(crops)


def discriminator():
  """DCGAN discriminator `[B, 32, 32, 3]` in [0, 1] -> logits `[B]`."""
  x = inputs = tf.keras.Input([SIZE, SIZE, 3])
  x = x * 2.0 - 1.0
  for width in (64, 128, 256):
    x = tf.keras.layers.Conv2D(width, 3, strides=2, padding="same")(x)
    x = tf.keras.layers.LeakyReLU(0.2)(x)
  x = tf.keras.layers.Flatten()(x)
  x = tf.keras.layers.Dense(1)(x)
  return tf.keras.Model(inputs, tf.squeeze(x, -1), name="discriminator")


def save_preview(path, images):
  """Writes an 8x8 grid of `[64, H, W, 3]` images in [0, 1]."""
  images = np.asarray(images)[:64]
  h, w = images.shape[1:3]
  grid = images.reshape(8, 8, h, w, 3).transpose(0, 2, 1, 3, 4).reshape(8 * h, 8 * w, 3)
  Image.fromarray(np.uint8(np.round(grid * 255))).resize((8 * w * 3, 8 * h * 3),
                                                         Image.NEAREST).save(path)


def main(argv):
  del argv
  tf.config.threading.set_intra_op_parallelism_threads(_THREADS.value)
  tf.config.threading.set_inter_op_parallelism_threads(_THREADS.value)
  tf.keras.utils.set_random_seed(_SEED.value)
  paths = photo_paths(_DATA_DIR.value)
  crops = random_crops(paths, _SHORT_SIDE.value, _CROPS.value, _SEED.value)
  logging.info("%d crops from %d photos", len(crops), len(paths))
  data = tf.constant(crops)

  config = dict(latent_dim=gan.LATENT_DIM, image_shape=[SIZE, SIZE, 3],
                widths=[128, 128, 64, 32])
  generator = gan.dcgan_generator(**config)
  critic = discriminator()
  g_opt = tf.keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.99)
  d_opt = tf.keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.99)
  batch, r1 = _BATCH.value, _R1.value

  @tf.function
  def step(seed):
    seeds = tf.random.experimental.stateless_split(seed, 3)
    index = tf.random.stateless_uniform([batch], seeds[0], 0, len(crops), dtype=tf.int32)
    real = tf.cast(tf.gather(data, index), tf.float32) / 255.0
    z = tf.random.stateless_normal([batch, gan.LATENT_DIM], seeds[1])
    with tf.GradientTape() as d_tape:
      with tf.GradientTape() as r1_tape:
        r1_tape.watch(real)
        real_logits = critic(real, training=True)
      real_grad = r1_tape.gradient(real_logits, real)
      fake_logits = critic(generator(z, training=True), training=True)
      penalty = tf.reduce_mean(tf.reduce_sum(tf.square(real_grad), [1, 2, 3]))
      d_loss = (tf.reduce_mean(tf.nn.softplus(-real_logits))
                + tf.reduce_mean(tf.nn.softplus(fake_logits)) + 0.5 * r1 * penalty)
    d_opt.apply_gradients(zip(d_tape.gradient(d_loss, critic.trainable_variables),
                              critic.trainable_variables))
    z = tf.random.stateless_normal([batch, gan.LATENT_DIM], seeds[2])
    with tf.GradientTape() as g_tape:
      g_loss = tf.reduce_mean(tf.nn.softplus(-critic(generator(z, training=True), training=True)))
    g_opt.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables),
                              generator.trainable_variables))
    return d_loss, g_loss, penalty

  start = time.time()
  for i in range(_STEPS.value):
    d_loss, g_loss, penalty = step(tf.constant([_SEED.value, i], tf.int32))
    if i % 250 == 0 or i == _STEPS.value - 1:
      logging.info("step %d  d_loss %.3f  g_loss %.3f  r1 %.3f  %.0f s", i, d_loss, g_loss,
                   penalty, time.time() - start)
  seconds = time.time() - start

  metadata = dict(steps=_STEPS.value, batch=batch, seconds=round(seconds, 1), r1=r1,
                  seed=_SEED.value, crops=len(crops), short_side=_SHORT_SIDE.value,
                  data=[os.path.basename(p) for p in paths],
                  data_dir=_DATA_DIR.value or "skimage/data")
  os.makedirs(os.path.dirname(os.path.abspath(_OUT.value)), exist_ok=True)
  gan.save_generator(_OUT.value, generator, config, **metadata)
  logging.info("wrote %s after %.0f s: %s", _OUT.value, seconds, json.dumps(metadata))
  if _PREVIEW.value:
    z = tf.random.stateless_normal([64, gan.LATENT_DIM], [_SEED.value, -1])
    save_preview(_PREVIEW.value, generator(z, training=False))


if __name__ == "__main__":
  app.run(main)
