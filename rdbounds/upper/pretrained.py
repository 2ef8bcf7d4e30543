"""The pretrained photo upper bound: training the variable-rate model, and its file.

`experiments/train_photo_ub.py` trains a `variable_rate.VariableRateVAE` on random crops of a
folder of photographs (`train`) and writes it with `save`; `spatial_bound` evaluates it on a
user's held-out images (`load`), refining each image's posterior at the job's lambda. Nothing
the user's images contain was trained on, so the point is an achievable (D, R) on them as for
any held-out evaluation (docs/method.md, "Photographs").

Training. Each crop of a batch gets its own level, uniform over the grid, and the loss is the
mean over the batch of

    w(level) * (rate (nats) / pixels + lambda_level * distortion),
    w(level) = (lambda_level / lambda_0) ** -level_weight_power,

the per-pixel loss of `tradeoff` at the crop's level. The weight only balances the levels'
gradients (a crop's loss grows with its lambda: about as lambda^0.65 over the photo grid,
measured on the old presets' points); each level's own optimum is unchanged by it. A share
of the crops is made gray (`gray_fraction`), and the last stage of the recipe
(docs/photo_model.md) trains the rate model alone (`train_only_hyperprior`) on large crops.

Grey photographs. A file may hold a second model of the same sizes for grey photographs
(`part="grey"`), trained on gray crops with their distortion on the grey axis
(`project_gray`); the one-bit flag that sends a grey image as grey (`grey`) also tells the
decoder which model to use, so the pair is one channel and its points stay achievable.

The file is a `.npz`: the model's sizes and grid (with the parts it holds) and the training's
metadata as JSON, and the weights in the order of `model.variables` (prefix `w`, the grey
model's `g`), stored as float16 (half the size; the stored
model is the one evaluated, so rounding changes the point, not its validity).
"""

import dataclasses
import json
import os
import tempfile
from typing import Tuple

import numpy as np
import tensorflow as tf

from rdbounds import config
from rdbounds import streams
from rdbounds import training
from rdbounds.sources import base
from rdbounds.sources.npy_files import DataError
from rdbounds.upper import grey
from rdbounds.upper import pretrained_file
from rdbounds.upper import train as train_lib
from rdbounds.upper import variable_rate

SHIPPED = pretrained_file.SHIPPED


@dataclasses.dataclass(frozen=True)
class PretrainConfig(config.Config):
  """The variable-rate model's sizes, grid, crops and training."""
  filters: int = config.option(64, "Hidden channels N of every transform.")
  latent_channels: int = config.option(192, "Channels M of the latent map z.")
  hyper_channels: int = config.option(64, "Channels K of the hyper-latent map h.")
  lambdas_per_pixel: Tuple[float, ...] = config.option(
      (60.0, 200.0, 600.0, 1800.0, 5400.0, 16200.0),
      "The grid of trade-offs (nats per pixel against MSE per dimension), increasing.")
  gray_fraction: float = config.option(
      0.125, "Fraction of training crops made gray (luma in every channel): photographs "
      "include black-and-white ones, colour training sets rarely do.")
  project_gray: bool = config.option(
      False, "Take gray crops' distortion on the grey axis, as a grey photograph is decoded "
      "(`grey.decode`): the stage that trains the grey model.")
  train_only_hyperprior: bool = config.option(
      False, "Train h_a, h_s and p(h) alone, on the rate (the transforms fixed): the last "
      "stage of the recipe, which refits the rate model on large crops after many steps on "
      "small ones, whose 1x1 hyper-latents are all border.")
  level_weight_power: float = config.option(
      0.65, "Each level's loss is weighted by (lambda / lambda_0) ** -power.")
  train_crop: int = config.option(192, "Side of the training crops (a multiple of 64).")
  batch: int = config.option(8, "Crops per step.")
  steps: int = config.option(16_000, "Adam steps.")
  lr: float = config.option(4e-4, "Initial learning rate (cosine decay).")
  lr_final_fraction: float = config.option(0.05, "Final learning rate as a fraction of lr.")
  clip_norm: float = config.option(5.0, "Global gradient-norm clipping.")
  checkpoint_every: int = config.option(500, "Steps between checkpoints.")
  log_every: int = config.option(100, "Steps between progress lines.")
  steps_per_call: int = config.option(10, "Steps per compiled call.")

  def validate(self):
    if self.train_crop < 64 or self.train_crop % 64:
      raise ValueError(f"train_crop must be a positive multiple of 64, got {self.train_crop}")
    for name in ("filters", "latent_channels", "hyper_channels", "batch", "steps",
                 "checkpoint_every", "log_every", "steps_per_call"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    grid = np.asarray(self.lambdas_per_pixel)
    if grid.size < 1 or np.any(grid <= 0) or np.any(np.diff(grid) <= 0):
      raise ValueError(f"lambdas_per_pixel must be positive and increasing, got "
                       f"{list(self.lambdas_per_pixel)}")
    if not 0 <= self.gray_fraction <= 1:
      raise ValueError(f"gray_fraction must lie in [0, 1], got {self.gray_fraction}")
    if not self.lr > 0 or not self.clip_norm > 0:
      raise ValueError(f"lr and clip_norm must be > 0, got {self.lr}, {self.clip_norm}")


PRESETS = {
    "quick": PretrainConfig(filters=8, latent_channels=8, hyper_channels=4,
                            lambdas_per_pixel=(200.0, 1800.0), train_crop=64, batch=2,
                            steps=20, lr=1e-3, checkpoint_every=10, log_every=10,
                            steps_per_call=5),
    "default": PretrainConfig(),
}


def build(config_: PretrainConfig, image_channels: int = 3) -> variable_rate.VariableRateVAE:
  return variable_rate.VariableRateVAE(config_.filters, config_.latent_channels,
                                       config_.hyper_channels, config_.lambdas_per_pixel,
                                       image_channels)


def level_weights(config_: PretrainConfig) -> np.ndarray:
  """`[L]` float32: the loss weight of each level (module docstring)."""
  grid = np.asarray(config_.lambdas_per_pixel, np.float64)
  return (grid / grid[0])**-config_.level_weight_power


# ITU-R 601 luma, the weights Pillow's "L" conversion uses: a grey file read as RGB
# (`images.read_image`) has this in every channel.
_LUMA = (0.299, 0.587, 0.114)


def some_gray(x: tf.Tensor, fraction: float, seed: tf.Tensor):
  """`([B, H, W, 3] crops, [B, 1, 1, 1] bool)`: each crop, with probability `fraction`,
  replaced by its luma in every channel, and which ones were."""
  if not fraction or x.shape[-1] != 3:
    return x, tf.zeros([tf.shape(x)[0], 1, 1, 1], tf.bool)
  luma = tf.reduce_sum(x * tf.constant(_LUMA, x.dtype), axis=-1, keepdims=True)
  gray = tf.random.stateless_uniform([tf.shape(x)[0], 1, 1, 1], seed) < fraction
  return tf.where(gray, tf.broadcast_to(luma, tf.shape(x)), x), gray


def make_one_step(model: variable_rate.VariableRateVAE, optimizer, config_: PretrainConfig,
                  seed: int):
  """The `(step, batch) -> metrics` function the shared Trainer compiles: each crop at a
  random level. Metrics: the weighted `loss`, the batch's mean rate (nats per pixel) and its
  PSNR over all levels pooled (a progress signal only; no PSNR when only the rate model
  trains)."""
  hyperprior_only = config_.train_only_hyperprior
  variables = model.hyperprior_variables if hyperprior_only else model.trainable_variables
  grid = tf.constant(config_.lambdas_per_pixel, tf.float32)
  weights = tf.constant(level_weights(config_), tf.float32)
  levels = len(config_.lambdas_per_pixel)
  pixels = float(config_.train_crop**2)

  def one_step(step, x):
    step_seed = base.stateless_seed(
        tf.stack([tf.constant(int(seed), tf.int64), tf.cast(step, tf.int64)]),
        streams.UB_TRAINING_NOISE)
    level_seed, noise_seed, gray_seed = tf.unstack(
        tf.random.experimental.stateless_split(step_seed, 3))
    level = tf.random.stateless_uniform([tf.shape(x)[0]], level_seed, 0, levels, tf.int32)
    x, made_gray = some_gray(x, config_.gray_fraction, gray_seed)
    position = tf.cast(level, tf.float32)
    with tf.GradientTape() as tape:
      if hyperprior_only:  # The distortion does not depend on the rate model's variables.
        mu, raw_sigma = model.encode(x, position)
        out = {"rate": model.rate(mu, raw_sigma, noise_seed, position),
               "distortion": tf.zeros(tf.shape(x)[:1])}
      elif config_.project_gray:
        out = model.rate_and_reconstruction(*model.encode(x, position), noise_seed, position)
        y = tf.where(made_gray, grey.decode(out["y"], True), out["y"])
        out["distortion"] = tf.reduce_mean(tf.math.squared_difference(x, y), [1, 2, 3])
      else:
        out = model(x, noise_seed, position)
      per_crop = out["rate"] / pixels + tf.gather(grid, level) * out["distortion"]
      loss = tf.reduce_mean(tf.gather(weights, level) * per_crop)
    gradients = tape.gradient(loss, variables)
    training.apply_gradients_if_finite(optimizer, loss, gradients, variables,
                                       config_.clip_norm)
    metrics = {"loss": loss, "rate_nats_per_pixel": tf.reduce_mean(out["rate"]) / pixels}
    if not hyperprior_only:
      mse = tf.reduce_mean(out["distortion"])
      metrics["psnr_db"] = -10.0 * tf.math.log(mse) / tf.math.log(10.0)
    return metrics

  return one_step


def train(source, config_: PretrainConfig, seed: int = 0, workdir=None, log=print,
          until=None, init_from: str = None):
  """Trains the model on `config_.train_crop` crops of `source` (an image folder source with
  that crop), resuming from `workdir`'s checkpoint. With `init_from` (another run's workdir),
  a run without a checkpoint of its own starts from that run's latest weights, with a fresh
  optimizer and schedule (a curriculum: many cheap steps on small crops, then a few on large
  ones). Returns `(model, TrainingResult)`."""
  if tuple(source.event_shape[:2]) != (config_.train_crop,) * 2:
    raise ValueError(f"the source's crops are {source.event_shape[:2]}, the config's "
                     f"{config_.train_crop}")
  tf.keras.utils.set_random_seed(int(seed))
  model = build(config_, source.event_shape[2])
  optimizer = train_lib.make_optimizer(config_.lr, config_.steps, config_.lr_final_fraction)
  train_lib.build_optimizer_state(optimizer, model)
  trainer = training.Trainer(
      make_one_step(model, optimizer, config_, seed), {"model": model, "optimizer": optimizer},
      source, batch_size=config_.batch, seed=seed, num_steps=config_.steps, workdir=workdir,
      checkpoint_every=config_.checkpoint_every, log_every=config_.log_every,
      steps_per_call=config_.steps_per_call, log=log, name="photo upper bound")
  if init_from and not trainer.saved_step():
    latest = tf.train.latest_checkpoint(os.path.join(init_from, training.CHECKPOINT_DIR))
    if latest is None:
      raise ValueError(f"{init_from}: no checkpoint to start from")
    tf.train.Checkpoint(model=model).read(latest).assert_existing_objects_matched(
        ).expect_partial()
    log(f"photo upper bound: starting from the weights of {latest}")
  return model, trainer.run(until)


def _sizes(model: variable_rate.VariableRateVAE) -> dict:
  return {"filters": model.filters, "latent_channels": model.latent_channels,
          "hyper_channels": model.hyper_channels,
          "lambdas_per_pixel": list(model.lambdas_per_pixel),
          "image_channels": model.image_channels}


# The weights' prefix in the file of each part: the model, and the grey photographs' model.
_PREFIX = {"colour": "w", "grey": "g"}


def save(path: str, model: variable_rate.VariableRateVAE,
         grey_model: variable_rate.VariableRateVAE = None, **metadata) -> None:
  """Writes `model` (and the model of grey photographs, of the same sizes, if given) to
  `path` atomically (module docstring's format)."""
  sizes = _sizes(model)
  parts = {"colour": model}
  if grey_model is not None:
    if _sizes(grey_model) != sizes:
      raise ValueError(f"the grey model's sizes {_sizes(grey_model)} differ from {sizes}")
    parts["grey"] = grey_model
  sizes["parts"] = list(parts)
  arrays = {f"{_PREFIX[part]}{i:03d}": v.numpy().astype(np.float16)
            for part, m in parts.items() for i, v in enumerate(m.variables)}
  directory = os.path.dirname(os.path.abspath(path))
  with tempfile.NamedTemporaryFile(dir=directory, suffix=".npz", delete=False) as handle:
    np.savez_compressed(handle, sizes=json.dumps(sizes), metadata=json.dumps(metadata),
                        **arrays)
  os.replace(handle.name, path)


def load(path: str = SHIPPED, part: str = "colour"):
  """`(model, metadata)` from a file `save` wrote: its model, or with `part="grey"` its
  model of grey photographs (None when it has none). Raises `DataError` for a bad file."""
  sizes, metadata = pretrained_file.header(path)
  if part not in sizes.pop("parts", ["colour"]):
    return None, metadata
  with np.load(path, allow_pickle=False) as archive:
    weights = [archive[k].astype(np.float32) for k in sorted(archive.files)
               if k[0] == _PREFIX[part] and k[1:].isdigit()]
  model = variable_rate.VariableRateVAE(**sizes)
  if len(weights) != len(model.variables) or any(
      tuple(w.shape) != tuple(v.shape) for w, v in zip(weights, model.variables)):
    raise DataError(f"{path}: its weights do not fit the model it describes ({sizes})")
  for variable, value in zip(model.variables, weights):
    variable.assign(value)
  return model, metadata
