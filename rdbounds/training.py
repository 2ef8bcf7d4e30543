"""The training loop shared by the upper- and lower-bound trainers.

The loop runs compiled chunks of `steps_per_call` steps (one `tf.function` call each, a
`tf.while_loop` inside), so Python runs once per chunk, not once per step. Data are drawn
eagerly per chunk from the source with a seed derived from (job seed, step), which makes a
run deterministic: resuming from a checkpoint replays exactly the draws an uninterrupted run
would have made.

Every `checkpoint_every` steps the step counter, models and optimizer are saved with
`tf.train.CheckpointManager`; a run whose working directory holds a checkpoint resumes from
it. A non-finite loss stops the run with `TrainingDiverged`; the step function must skip the
update of a non-finite step (`apply_gradients_if_finite`), so the last checkpoint is good.
"""

import dataclasses
import math
import os
import time
import weakref
from typing import Callable, Dict, Optional

import tensorflow as tf

from rdbounds.sources import base


# The folder of a working directory that holds its checkpoints.
CHECKPOINT_DIR = "ckpt"


class TrainingDiverged(RuntimeError):
  """The loss became NaN or infinite."""


@dataclasses.dataclass
class TrainingResult:
  steps: int
  seconds: float
  metrics: Dict[str, float]
  resumed_from: int


def apply_gradients_if_finite(optimizer, loss, gradients, variables, clip_norm=None):
  """Applies (optionally clipped) gradients only when loss and gradients are finite.

  Returns:
    bool tensor: whether the update was applied.
  """
  finite = tf.math.is_finite(loss)
  for g in gradients:
    if g is not None:
      finite = tf.logical_and(finite, tf.reduce_all(tf.math.is_finite(g)))
  if clip_norm:
    gradients, _ = tf.clip_by_global_norm(gradients, clip_norm)

  def apply():
    optimizer.apply_gradients(
        [(g, v) for g, v in zip(gradients, variables) if g is not None])
    return tf.constant(True)

  return tf.cond(finite, apply, lambda: tf.constant(False))


_COMPILED_DRAWS = weakref.WeakKeyDictionary()


def _compiled_draws(source: base.Source, batch_size: int):
  """A compiled `(seed, first_step, steps) -> [steps, B, ...]` draw for a synthetic source.

  Eager draws from a chain of tfp bijectors cost tens of milliseconds each and would dominate
  small training steps; compiled, the same stateless ops give the same numbers.
  """
  per_source = _COMPILED_DRAWS.setdefault(source, {})
  if batch_size not in per_source:
    @tf.function
    def draw(seed, first_step, steps):
      return tf.map_fn(
          lambda step: source.sample(batch_size, tf.stack([seed, step]), "train"),
          first_step + tf.range(steps, dtype=tf.int64), fn_output_signature=tf.float32)
    per_source[batch_size] = draw
  return per_source[batch_size]


def sample_chunk(source: base.Source, batch_size: int, steps: int, seed: int, first_step: int):
  """`[steps, batch_size, *event_shape]` training data for steps first_step..first_step+steps-1.

  One draw per step, each seeded by (seed, step), so the data of a step do not depend on
  how the run was chunked or interrupted. Synthetic sources draw in one compiled call;
  finite data sets (`source.size` not None) read their rows eagerly.
  """
  if source.size is None:
    return _compiled_draws(source, batch_size)(
        tf.constant(seed, tf.int64), tf.constant(first_step, tf.int64), tf.constant(steps, tf.int32))
  batches = [source.sample(batch_size, seed=(seed, first_step + i), split="train")
             for i in range(steps)]
  return tf.stack(batches)


class Trainer:
  """Runs `one_step` for `num_steps` steps with checkpoints, resume and progress lines.

  Args:
    one_step: `(step, batch) -> dict of scalar metrics`, must include "loss" and apply its
      own update (skipping non-finite ones). `step` is an int64 scalar tensor, `batch` one
      step's data `[batch_size, *event_shape]`.
    trackables: dict of everything to checkpoint (models, optimizer, extra variables).
    source, batch_size, seed: where and how the data are drawn.
    num_steps: total steps of the run.
    workdir: directory for `ckpt/` and `tb/`, or None for neither.
    checkpoint_every: steps between checkpoints. Chunks end on checkpoints, so one that is
      not a multiple of `steps_per_call` changes the chunks, and the float rounding with them.
    log_every: steps between progress lines (rounded to whole chunks).
    steps_per_call: steps per compiled call.
    log: callable taking a progress line.
    name: prefix of progress lines.
    on_checkpoint: optional callable(step) run after each checkpoint is written (e.g. to
      save annealing snapshots).
    jit_compile: compile each chunk with XLA (fuses the step's many small ops; whether that
      pays for its compile time on CPU is not measured).
  """

  def __init__(self, one_step: Callable, trackables: dict, source: base.Source,
               batch_size: int, seed: int, num_steps: int, workdir: Optional[str] = None,
               checkpoint_every: int = 1000, log_every: int = 500, steps_per_call: int = 50,
               log: Callable[[str], None] = print, name: str = "train",
               on_checkpoint: Optional[Callable[[int], None]] = None,
               jit_compile: bool = False):
    if num_steps < 0 or batch_size < 1 or steps_per_call < 1:
      raise ValueError("num_steps must be >= 0 and batch_size, steps_per_call >= 1")
    self.one_step = one_step
    self.source, self.batch_size, self.seed = source, batch_size, seed
    self.num_steps = num_steps
    self.checkpoint_every = max(1, checkpoint_every)
    self.log_every = max(1, log_every)
    self.steps_per_call = steps_per_call
    self.log, self.name = log, name
    self.on_checkpoint = on_checkpoint
    self.jit_compile = bool(jit_compile)
    self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
    self.checkpoint = tf.train.Checkpoint(step=self.step, **trackables)
    self.manager = None
    self.writer = None
    if workdir:
      self.manager = tf.train.CheckpointManager(
          self.checkpoint, os.path.join(workdir, CHECKPOINT_DIR), max_to_keep=2)
      self.writer = tf.summary.create_file_writer(os.path.join(workdir, "tb"))
    self._compiled = {}

  def _chunk_fn(self, steps: int):
    """Compiled function running `steps` consecutive steps on a `[steps, B, ...]` block."""
    if steps not in self._compiled:
      @tf.function(jit_compile=self.jit_compile)
      def run_chunk(first_step, data):
        metrics = self.one_step(first_step, data[0])
        all_finite = tf.math.is_finite(metrics["loss"])
        for i in tf.range(1, steps):
          if not all_finite:
            break
          metrics = self.one_step(first_step + tf.cast(i, tf.int64), data[i])
          all_finite = tf.math.is_finite(metrics["loss"])
        return metrics, all_finite
      self._compiled[steps] = run_chunk
    return self._compiled[steps]

  def restore(self) -> int:
    """Restores the latest checkpoint if there is one; returns the step reached.

    Checked: every object being restored (model, optimizer, ...) must find its values, so a
    checkpoint of another architecture raises rather than leaving weights at their
    initialization (resumed training, or a re-evaluation of a finished job).
    """
    if self.manager and self.manager.latest_checkpoint:
      status = self.checkpoint.restore(self.manager.latest_checkpoint)
      status.assert_existing_objects_matched().expect_partial()
    return int(self.step.numpy())

  def saved_step(self) -> int:
    """The step of the latest checkpoint on disk (0 if none), without restoring it."""
    if not (self.manager and self.manager.latest_checkpoint):
      return 0
    # Checkpoints are numbered by their step (`save`).
    return int(self.manager.latest_checkpoint.rsplit("-", 1)[1])

  def save(self):
    if self.manager:
      self.manager.save(checkpoint_number=int(self.step.numpy()))
      if self.on_checkpoint:
        self.on_checkpoint(int(self.step.numpy()))

  def run(self, until: Optional[int] = None) -> TrainingResult:
    """Trains (resuming from the latest checkpoint) up to step `until` (default: num_steps).

    The learning-rate schedule and progress lines still count to `num_steps`, so a run
    stopped at `until` and continued later follows the same path.
    """
    started = time.time()
    until = self.num_steps if until is None else min(int(until), self.num_steps)
    first = self.restore()
    if first:
      self.log(f"{self.name}: resumed from checkpoint at step {first}")
    step, metrics = first, {}
    window_start, window_steps = time.time(), 0
    while step < until:
      # Chunks end on checkpoint boundaries, so checkpoints fall on exact steps.
      next_checkpoint = (step // self.checkpoint_every + 1) * self.checkpoint_every
      steps = min(self.steps_per_call, until - step, next_checkpoint - step)
      data = sample_chunk(self.source, self.batch_size, steps, self.seed, step)
      values, finite = self._chunk_fn(steps)(tf.constant(step, tf.int64), data)
      if not bool(finite):
        last = self.manager.latest_checkpoint if self.manager else None
        kept = f"; the last good checkpoint ({last}) is kept" if last else ""
        raise TrainingDiverged(
            f"{self.name}: loss became non-finite between steps {step} and {step + steps}"
            f"{kept}. Try a smaller learning rate or lambda, or check the data.")
      step += steps
      window_steps += steps
      self.step.assign(step)
      metrics = {k: float(v) for k, v in values.items()}
      if step % self.checkpoint_every == 0 or step == until:
        self.save()
      if self.writer is not None and (step // self.steps_per_call) % 10 == 0:
        with self.writer.as_default(step=step):
          for key, value in metrics.items():
            tf.summary.scalar(key, value)
      if step // self.log_every > (step - steps) // self.log_every or step == until:
        rate = window_steps / max(time.time() - window_start, 1e-9)
        shown = " ".join(f"{k}={v:.4g}" for k, v in metrics.items())
        self.log(f"{self.name}: step {step}/{self.num_steps} {rate:.0f} steps/s"
                 f"{_time_left(until - step, rate)} {shown}")
        window_start, window_steps = time.time(), 0
    if self.writer is not None:
      self.writer.flush()
    return TrainingResult(step, time.time() - started, metrics, first)


def _time_left(steps: int, steps_per_second: float) -> str:
  """", about 12 min left" at the last window's pace; nothing when done or under a minute."""
  minutes = steps / max(steps_per_second, 1e-9) / 60
  if minutes < 1:
    return ""
  return f", about {minutes:.0f} min left" if minutes < 90 else f", about {minutes / 60:.1f} h left"
