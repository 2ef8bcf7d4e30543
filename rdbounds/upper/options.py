"""The training and evaluation options both upper-bound models share (no TensorFlow here).

`config.UpperBoundConfig` (one latent vector per sample) and `spatial_config.SpatialConfig`
(a latent map, for photographs) derive from `TrainingOptions`, so one flag (`--ub_steps`, ...)
sets the same option of whichever model a source gets.
"""

import dataclasses
from typing import Optional

from rdbounds import config


@dataclasses.dataclass(frozen=True)
class TrainingOptions(config.Config):
  """Adam with a cosine decay, gradient clipping, checkpoints; the evaluation's seed."""
  steps: int = config.option(2000, "Upper bound: training steps per lambda.")
  batch: int = config.option(256, "Upper bound: training batch size.")
  lr: float = config.option(3e-3, "Upper bound: initial Adam learning rate.")
  lr_final_fraction: float = config.option(
      0.01, "Upper bound: final learning rate as a fraction of --ub_lr (cosine decay).")
  clip_norm: Optional[float] = config.option(
      10.0, "Upper bound: global gradient-norm clipping (none: off).")
  eval_seed: int = config.option(
      0, "Upper bound: seed of the held-out draws and posterior samples of the evaluation, "
      "added to the job's seed.")
  checkpoint_every: int = config.option(1000, "Upper bound: steps between checkpoints.")
  log_every: int = config.option(1000, "Upper bound: steps between progress lines.")
  steps_per_call: int = config.option(100, "Upper bound: training steps per compiled call.")
  jit_compile: bool = config.option(
      False, "Upper bound: compile the training steps with XLA (fuses small ops; on CPU the "
      "image beta-VAE's step measured slower with it: benchmarks/images.py, ub_step_xla).")

  def validate(self):
    for name in ("batch", "checkpoint_every", "log_every", "steps_per_call"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    if self.steps < 0:
      raise ValueError(f"steps must be >= 0, got {self.steps}")
    if not self.lr > 0:
      raise ValueError(f"lr must be > 0, got {self.lr}")
    if not 0 <= self.lr_final_fraction <= 1:
      raise ValueError(f"lr_final_fraction must lie in [0, 1], got {self.lr_final_fraction}")
    if self.clip_norm is not None and not self.clip_norm > 0:
      raise ValueError(f"clip_norm must be > 0 or none, got {self.clip_norm}")
