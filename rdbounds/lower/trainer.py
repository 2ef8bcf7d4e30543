"""Training `log u` by stochastic gradient ascent on E[xi], optionally annealing lambda.

Each step draws k training samples, finds C_k's maximizer (quick search from the t heaviest
samples by default: cheap, and exhaustive search is kept for evaluation), and ascends
`xi = A - log alpha - C_k / alpha + 1` with Adam, gradient clipping and a cosine learning-rate
decay. The expansion point alpha tracks a running estimate of E[C_k]: an exponential moving
average of C_k kept in the log domain (`log_alpha`), initialized at the first draw.

Lambda annealing: lambda follows `lambda_schedule(step)`, constant at lambda_0 for
`warmup_steps`, then growing linearly to lambda_1 over `anneal_steps`. A snapshot of `log u`
is taken at the step where lambda reaches each requested value, and evaluated at that lambda.
"""

import dataclasses
import math
import os
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from rdbounds import training
from rdbounds.lower import objective
from rdbounds.lower.search import starts as starts_lib
from rdbounds.lower.models import LogU
from rdbounds.lower.search.options import SearchOptions
from rdbounds.sources import base


@dataclasses.dataclass(frozen=True)
class LambdaSchedule:
  """Lambda constant at `start` for `warmup_steps`, then linear to `end` over `anneal_steps`."""
  start: float
  end: float
  warmup_steps: int
  anneal_steps: int = 0

  @property
  def num_steps(self) -> int:
    return self.warmup_steps + self.anneal_steps

  def __call__(self, step):
    """Lambda at `step` (int or int64 tensor) as float32."""
    step = tf.cast(step, tf.float32)
    if self.anneal_steps <= 0:
      return tf.constant(self.start, tf.float32)
    fraction = tf.clip_by_value((step - self.warmup_steps) / self.anneal_steps, 0.0, 1.0)
    return self.start + (self.end - self.start) * fraction

  def step_at(self, lmbda: float) -> int:
    """First step (1-based count of steps done) at which lambda has reached `lmbda`."""
    if self.anneal_steps <= 0 or lmbda <= self.start:
      return self.warmup_steps
    fraction = min(1.0, (lmbda - self.start) / (self.end - self.start))
    return self.warmup_steps + int(math.ceil(fraction * self.anneal_steps))


class LowerBoundTrainer:
  """Trains `log_u` on a source.

  Args:
    log_u: the model (`LogU`).
    source: training data (split "train").
    schedule: `LambdaSchedule` (a constant lambda: `LambdaSchedule(l, l, steps)`).
    k: samples per draw.
    seed: seed of the training draws.
    lr: Adam learning rate; decays by cosine to `lr * lr_final_fraction`.
    clip_norm: global gradient-norm clip.
    alpha_decay: weight of a new C_k in the running average alpha.
    starts: "exhaustive" (`search.find_mode`) or t (`search.quick_mode` from the t
      most promising samples) for training.
    search_options: `SearchOptions` of an exhaustive training search (a dict of its fields
      is also accepted).
    quick_iterations: cap on the quick search's mean-shift steps.
    projection: a `search.projection.Projection`: the quick search's C_k is that of the lifted
      samples (what an evaluation with it reports); None: the samples themselves.
    rank_by_value: the quick search starts where the mixture is highest (default) or at the
      heaviest samples.
    workdir, checkpoint_every, log_every, steps_per_call, log: as `training.Trainer`.
  """

  def __init__(self, log_u: LogU, source: base.Source, schedule: LambdaSchedule, k: int,
               seed: int = 0, lr: float = 1e-3, lr_final_fraction: float = 0.1,
               clip_norm: float = 10.0, alpha_decay: float = 0.01,
               starts: starts_lib.Starts = 20, search_options: Optional[SearchOptions] = None,
               quick_iterations: int = 50, rank_by_value: bool = True, projection=None,
               workdir: Optional[str] = None, checkpoint_every: int = 500,
               log_every: int = 250, steps_per_call: int = 25,
               log: Callable[[str], None] = print,
               on_checkpoint: Optional[Callable[[int], None]] = None):
    self.log_u, self.source, self.schedule, self.k = log_u, source, schedule, k
    self.starts = starts
    if not isinstance(search_options, SearchOptions):
      search_options = SearchOptions(**(search_options or {}))
    self.search_options = search_options
    self.quick_iterations, self.rank_by_value = quick_iterations, rank_by_value
    if projection is not None and starts == starts_lib.EXHAUSTIVE:
      raise ValueError("a projection serves the quick training search; training with the "
                       "exhaustive search takes none")
    self.projection = projection
    self.alpha_decay = alpha_decay
    self.clip_norm = clip_norm
    decay = tf.keras.optimizers.schedules.CosineDecay(
        lr, max(1, schedule.num_steps), alpha=lr_final_fraction)
    self.optimizer = tf.keras.optimizers.Adam(decay)
    # Slots built here, eagerly: built lazily inside the compiled step they failed to build
    # (TF 2.14, "Tensor.op is undefined") after WGD's optimizer had run in between.
    self.optimizer.build(log_u.trainable_variables)
    self.log_alpha = tf.Variable(0.0, trainable=False, name="log_alpha")
    self.alpha_initialized = tf.Variable(False, trainable=False, name="alpha_initialized")
    self.trainer = training.Trainer(
        self._one_step, {"log_u": log_u, "optimizer": self.optimizer,
                         "log_alpha": self.log_alpha,
                         "alpha_initialized": self.alpha_initialized},
        source, batch_size=k, seed=seed, num_steps=schedule.num_steps, workdir=workdir,
        checkpoint_every=checkpoint_every, log_every=log_every,
        steps_per_call=steps_per_call, log=log, name="lower_bound",
        on_checkpoint=on_checkpoint)

  def _one_step(self, step, batch):
    lmbda = self.schedule(step)
    variables = self.log_u.trainable_variables
    with tf.GradientTape() as tape:
      if self.starts == starts_lib.EXHAUSTIVE:
        mean_neg_log_u, log_c_k = objective.draw(self.log_u, batch, lmbda, self.starts,
                                                 self.search_options)
      else:
        mean_neg_log_u, log_c_k = objective.training_draw(
            self.log_u, batch, lmbda, starts=self.starts, iterations=self.quick_iterations,
            rank_by_value=self.rank_by_value, projection=self.projection)
      # Before the first draw alpha has no estimate: expand at this draw's C_k.
      log_alpha = tf.where(self.alpha_initialized, self.log_alpha, tf.stop_gradient(log_c_k))
      xi = objective.xi(mean_neg_log_u, log_c_k, log_alpha)
      loss = -xi
    gradients = tape.gradient(loss, variables)
    training.apply_gradients_if_finite(self.optimizer, loss, gradients, variables,
                                       clip_norm=self.clip_norm)
    log_c = tf.stop_gradient(log_c_k)
    if tf.math.is_finite(log_c):
      # alpha <- (1 - a) alpha + a C_k, in the log domain.
      updated = tf.reduce_logsumexp(tf.stack([
          math.log1p(-self.alpha_decay) + log_alpha, math.log(self.alpha_decay) + log_c]))
      self.log_alpha.assign(updated)
      self.alpha_initialized.assign(True)
    return {"loss": loss, "xi": xi, "log_c_k": log_c, "log_alpha": self.log_alpha,
            "mean_neg_log_u": mean_neg_log_u, "lambda": lmbda}

  def run_until(self, num_steps: int) -> training.TrainingResult:
    """Trains (or resumes) up to `num_steps` steps in total (annealing: a requested lambda)."""
    return self.trainer.run(until=num_steps)

  def run(self) -> training.TrainingResult:
    return self.run_until(self.schedule.num_steps)
