"""Training of the beta-VAE upper bound: the compiled step, optimizer and schedule.

The loop itself is the shared `rdbounds.training.Trainer` (compiled chunks, checkpoints,
resume, NaN stop, progress lines); this module supplies the step it runs and builds the
Trainer (`make_trainer`). The step minimizes an objective of the batch's mean rate and
distortion with Adam: `rate + lambda * distortion` (nats per sample + lambda * MSE per dim) for
the vector model, the loss per pixel of a `tradeoff.PerPixelTradeoff` for the spatial one.
Posterior noise is drawn with a stateless seed derived from (seed, step), so a resumed run
replays exactly the noise an uninterrupted run would have drawn.
"""

from typing import Callable, Optional

import tensorflow as tf

from rdbounds import streams
from rdbounds import training
from rdbounds.sources import base
from rdbounds.upper import model as model_lib
from rdbounds.upper import options

# (mean rate in nats, mean distortion) -> the loss a training step minimizes.
Objective = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]


def make_optimizer(learning_rate: float, num_steps: int, final_fraction: float = 0.01):
  """Adam with a cosine decay from `learning_rate` to `final_fraction * learning_rate`.

  The decay lets the last steps settle on the optimum, which the tightness of the bound
  needs; the schedule follows `optimizer.iterations`, which checkpoints save and restore.
  """
  schedule = tf.keras.optimizers.schedules.CosineDecay(
      initial_learning_rate=float(learning_rate), decay_steps=max(1, int(num_steps)),
      alpha=float(final_fraction))
  return tf.keras.optimizers.Adam(learning_rate=schedule)


def rate_plus_lambda_distortion(lmbda: float) -> Objective:
  """`rate + lmbda * distortion`: nats per sample against MSE per dimension."""
  lmbda = tf.constant(float(lmbda), tf.float32)
  return lambda rate, distortion: rate + lmbda * distortion


def make_one_step(model: model_lib.BetaVAE, optimizer, objective: Objective, seed: int,
                  clip_norm: Optional[float] = None) -> Callable:
  """The `(step, batch) -> metrics` function the shared Trainer compiles and runs.

  `model` must be built (its variables exist): a `BetaVAE`, or any module mapping
  `(x, seed)` to per-sample `rate` and `distortion` (the spatial model). The loss minimized
  is `objective(mean rate, mean distortion)`. Metrics: `loss`, `rate` (nats per sample),
  `distortion` (MSE per dim), batch means.
  """
  variables = model.trainable_variables
  seed = int(seed)

  def one_step(step, x):
    noise_seed = base.stateless_seed(
        tf.stack([tf.constant(seed, tf.int64), tf.cast(step, tf.int64)]),
        streams.UB_TRAINING_NOISE)
    with tf.GradientTape() as tape:
      out = model(x, noise_seed)
      rate = tf.reduce_mean(out["rate"])
      dist = tf.reduce_mean(out["distortion"])
      loss = objective(rate, dist)
    gradients = tape.gradient(loss, variables)
    training.apply_gradients_if_finite(optimizer, loss, gradients, variables, clip_norm)
    return {"loss": loss, "rate": rate, "distortion": dist}

  return one_step


def build_optimizer_state(optimizer, model: model_lib.BetaVAE):
  """Creates Adam's slots eagerly, so checkpoints restore into them and no variable is
  created inside the compiled step."""
  optimizer.build(model.trainable_variables)


def make_trainer(model, source, config: options.TrainingOptions, objective: Objective, seed: int,
                 workdir=None, log=print, name: str = "upper_bound",
                 trained_by: Optional[str] = None) -> training.Trainer:
  """The shared training loop for `model` on `source`'s draws (Adam, cosine decay).

  Raises:
    ValueError when `workdir` holds the model of another job (`trained_by`), to be evaluated
    again, whose training has not finished.
  """
  optimizer = make_optimizer(config.lr, config.steps, config.lr_final_fraction)
  build_optimizer_state(optimizer, model)
  one_step = make_one_step(model, optimizer, objective, seed, config.clip_norm)
  trainer = training.Trainer(
      one_step, {"model": model, "optimizer": optimizer}, source, batch_size=config.batch,
      seed=seed, num_steps=config.steps, workdir=workdir,
      checkpoint_every=config.checkpoint_every, log_every=config.log_every,
      steps_per_call=config.steps_per_call, log=log, name=name,
      jit_compile=config.jit_compile)
  if trained_by and trainer.saved_step() < config.steps:
    raise ValueError(f"upper_bound: job {trained_by} has not finished training "
                     f"({trainer.saved_step()} of {config.steps} steps); finish its sweep first")
  return trainer
