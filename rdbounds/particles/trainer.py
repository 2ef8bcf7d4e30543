"""Training of the particle measure: Wasserstein gradient steps on L_BA, optional BA weights.

The loop is the shared `rdbounds.training.Trainer` (compiled chunks of steps, checkpoints,
resume, NaN stop, progress lines; the data of step s are drawn with the seed (seed, s)); this
module supplies its step. Each step computes L_BA on a minibatch and its Wasserstein gradient
(`measure.ba_statistics`) and moves the particles with Adam or plain SGD under a cosine-decayed
step size. Step sizes are relative to the kernel exp(-lambda |x - y|^2 / n), whose width per
coordinate is sqrt(n / (2 lambda)), so one preset serves every lambda.

With `weight_updates_every = k > 0` the weights take Blahut-Arimoto updates nu <- E_X[Q(.|X)]
every k steps (the paper's hybrid), E_X[Q] being a running mean over batches (a single batch
has too few samples per particle). Without, the weights stay uniform.
"""

import math
from typing import Callable, Optional

import tensorflow as tf

from rdbounds import streams
from rdbounds import training
from rdbounds.particles import config as config_lib
from rdbounds.particles import measure as measure_lib
from rdbounds.sources import base

# Floor of a BA weight, relative to uniform 1/p: a particle nobody uses keeps a tiny weight
# (and may come back), and the rate ceiling max_j ln(1/nu_j) stays below ln p + 23 nats.
WEIGHT_FLOOR = 1e-10


def initial_particles(source: base.Source, num_particles: int, seed: int) -> tf.Tensor:
  """`[p, n]` training samples, drawn with a stream of their own (not any step's data)."""
  seed = base.stateless_seed((seed, 0), streams.WGD_INITIAL_PARTICLES)
  return source.sample(num_particles, seed, "train")


def make_optimizer(config: config_lib.WGDConfig, lmbda: float, dim: int):
  """Adam or SGD with a cosine decay, its step scaled to the kernel at `lmbda`.

  Adam's steps have about the size of its learning rate, so that is `lr` kernel widths
  sqrt(n / (2 lambda)). SGD follows the Wasserstein gradient g_j = (2 lambda / n) E[r_j (y_j - X)]:
  a step of n / (2 lambda) g_j would be the mean-shift (EM) step to E[r_j X] / E[r_j] when
  E[r_j] = 1, and `lr` is the fraction of it taken.
  """
  width2 = dim / (2.0 * float(lmbda))
  initial = config.lr * (math.sqrt(width2) if config.optimizer == "adam" else width2)
  schedule = tf.keras.optimizers.schedules.CosineDecay(
      initial_learning_rate=initial, decay_steps=max(1, config.steps),
      alpha=config.lr_final_fraction)
  if config.optimizer == "adam":
    return tf.keras.optimizers.Adam(learning_rate=schedule)
  return tf.keras.optimizers.SGD(learning_rate=schedule)


def make_one_step(measure: measure_lib.ParticleMeasure, optimizer, responsibility: tf.Variable,
                  config: config_lib.WGDConfig, lmbda: float) -> Callable:
  """The `(step, batch) -> metrics` function the shared Trainer compiles and runs.

  Metrics (batch means): `loss` = L_BA (nats), `distortion` (MSE per dim), `rate` = loss -
  lambda distortion (nats).
  """
  rows = measure_lib.block_rows(measure.num_particles, config.block_elements)
  every = int(config.weight_updates_every)
  decay = float(config.responsibility_decay)
  log_floor = math.log(WEIGHT_FLOOR / measure.num_particles)

  def one_step(step, x):
    stats = measure_lib.ba_statistics(x, measure.particles, measure.log_weights, lmbda, rows)
    training.apply_gradients_if_finite(optimizer, stats["loss"],
                                       [stats["wasserstein_gradient"]], [measure.particles])
    if every:
      responsibility.assign((1.0 - decay) * responsibility + decay * stats["responsibility"])
      if (step + 1) % every == 0:
        log_nu = tf.maximum(tf.math.log(responsibility), log_floor)
        measure.log_weights.assign(log_nu - tf.reduce_logsumexp(log_nu))
    return {"loss": stats["loss"], "distortion": stats["distortion"],
            "rate": stats["loss"] - lmbda * stats["distortion"]}

  return one_step


def train(source: base.Source, config: config_lib.WGDConfig, lmbda: float, seed: int = 0,
          workdir: Optional[str] = None, log: Callable[[str], None] = print, name: str = "wgd",
          until: Optional[int] = None, initial=None):
  """Trains p particles on `source` at `lmbda`, resuming from `workdir`'s checkpoint if any.

  Args:
    until: stop after this step (default: `config.steps`); the schedule still counts to
      `config.steps`, so a later call continues the same run.
    initial: `[p, n]` starting positions (default: p training samples, `initial_particles`);
      a checkpoint in `workdir` overrides them.

  Returns:
    `(measure.ParticleMeasure, training.TrainingResult)`.
  """
  if not (lmbda > 0 and math.isfinite(lmbda)):
    raise ValueError(f"lambda must be a finite number > 0, got {lmbda}")
  if len(source.event_shape) != 1:
    raise ValueError(f"wgd needs vector samples (n,), got event shape {tuple(source.event_shape)}")
  lmbda = float(lmbda)
  if initial is None:
    initial = initial_particles(source, config.particles, seed)
  elif tuple(initial.shape) != (config.particles, source.dim):
    raise ValueError(f"initial particles must have shape ({config.particles}, {source.dim}), "
                     f"got {tuple(initial.shape)}")
  measure = measure_lib.ParticleMeasure(initial)
  responsibility = tf.Variable(tf.exp(measure.log_weights), trainable=False, name="responsibility")
  optimizer = make_optimizer(config, lmbda, source.dim)
  optimizer.build([measure.particles])
  one_step = make_one_step(measure, optimizer, responsibility, config, lmbda)
  trainer = training.Trainer(
      one_step, {"measure": measure, "optimizer": optimizer, "responsibility": responsibility},
      source, batch_size=config.batch, seed=seed, num_steps=config.steps, workdir=workdir,
      checkpoint_every=config.checkpoint_every, log_every=config.log_every,
      steps_per_call=config.steps_per_call, log=log, name=name)
  return measure, trainer.run(until)
