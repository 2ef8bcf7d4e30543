"""Training of the beta-VAE upper bound: the compiled step, optimizer and schedule.

The loop itself is the shared `rdbounds.training.Trainer` (compiled chunks, checkpoints,
resume, NaN stop, progress lines); this module supplies the step it runs. The step minimizes
`L = E[rate] + lambda * E[distortion]` (nats per sample + lambda * MSE per dim) with Adam.
Posterior noise is drawn with a stateless seed derived from (seed, step), so a resumed run
replays exactly the noise an uninterrupted run would have drawn.
"""

from typing import Callable, Optional

import tensorflow as tf

from rdbounds import streams
from rdbounds import training
from rdbounds.sources import base
from rdbounds.upper import model as model_lib


def make_optimizer(learning_rate: float, num_steps: int, final_fraction: float = 0.01):
  """Adam with a cosine decay from `learning_rate` to `final_fraction * learning_rate`.

  The decay lets the last steps settle on the optimum, which the tightness of the bound
  needs; the schedule follows `optimizer.iterations`, which checkpoints save and restore.
  """
  schedule = tf.keras.optimizers.schedules.CosineDecay(
      initial_learning_rate=float(learning_rate), decay_steps=max(1, int(num_steps)),
      alpha=float(final_fraction))
  return tf.keras.optimizers.Adam(learning_rate=schedule)


def make_one_step(model: model_lib.BetaVAE, optimizer, lmbda: float, seed: int,
                  clip_norm: Optional[float] = None, loss_scale: float = 1.0) -> Callable:
  """The `(step, batch) -> metrics` function the shared Trainer compiles and runs.

  `model` must be built (its variables exist): a `BetaVAE`, or any module mapping
  `(x, seed)` to per-sample `rate` and `distortion` (the spatial model). The loss minimized
  is `loss_scale * (rate + lmbda * distortion)` (e.g. per pixel for image crops). Metrics:
  `loss`, `rate` (nats per sample), `distortion` (MSE per dim), batch means.
  """
  variables = model.trainable_variables
  lmbda = tf.constant(float(lmbda), tf.float32)
  loss_scale = tf.constant(float(loss_scale), tf.float32)
  seed = int(seed)

  def one_step(step, x):
    noise_seed = base.stateless_seed(
        tf.stack([tf.constant(seed, tf.int64), tf.cast(step, tf.int64)]),
        streams.UB_TRAINING_NOISE)
    with tf.GradientTape() as tape:
      out = model(x, noise_seed)
      rate = tf.reduce_mean(out["rate"])
      dist = tf.reduce_mean(out["distortion"])
      loss = loss_scale * (rate + lmbda * dist)
    gradients = tape.gradient(loss, variables)
    training.apply_gradients_if_finite(optimizer, loss, gradients, variables, clip_norm)
    return {"loss": loss, "rate": rate, "distortion": dist}

  return one_step


def build_optimizer_state(optimizer, model: model_lib.BetaVAE):
  """Creates Adam's slots eagerly, so checkpoints restore into them and no variable is
  created inside the compiled step."""
  optimizer.build(model.trainable_variables)
