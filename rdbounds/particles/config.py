"""The `wgd` estimator's configuration and presets (no TensorFlow here).

Wasserstein gradient descent (Yang, Eckstein, Nutz & Mandt, NeurIPS 2023): p particles, started
at training samples, move by gradient steps on L_BA over data minibatches; optionally their
weights take Blahut-Arimoto updates too (the paper's hybrid). Presets (chosen by measurement):

  * `quick`: seconds per lambda, for tests and the demo (loose, still an achievable point);
  * `default`: tight on low-dimensional vector sources within minutes per lambda on 2 CPU cores;
  * `paper`: more particles and steps.
"""

import dataclasses
from typing import Literal

from rdbounds import config
from rdbounds import estimators

OPTIMIZERS = ("adam", "sgd")


@dataclasses.dataclass(frozen=True)
class WGDConfig(config.Config):
  """Particles, their optimizer and schedule, the BA weight updates, and the evaluation."""
  particles: int = config.option(
      16384, "WGD: number p of particles (the rate cannot exceed ln p with uniform weights).")
  steps: int = config.option(500, "WGD: training steps per lambda.")
  batch: int = config.option(1024, "WGD: data samples per step.")
  optimizer: Literal[OPTIMIZERS] = config.option(
      "adam", "WGD: adam, or sgd (plain Wasserstein gradient steps).")
  lr: float = config.option(
      0.1, "WGD: initial step. adam: in units of the kernel width sqrt(n / (2 lambda)); "
      "sgd: as a fraction of the mean-shift step n / (2 lambda) x gradient.")
  lr_final_fraction: float = config.option(
      0.01, "WGD: final step as a fraction of --wgd_lr (cosine decay).")
  weight_updates_every: int = config.option(
      0, "WGD: steps between Blahut-Arimoto updates of the weights, nu <- E[Q] (0: uniform "
      "weights, never updated).")
  responsibility_decay: float = config.option(
      0.05, "WGD: weight of each batch in the running mean of E[Q] behind the weight updates.")
  eval_samples: int = config.option(
      100_000, "WGD: held-out samples for synthetic sources (finite data: the whole test split).")
  eval_batch: int = config.option(4096, "WGD: samples per evaluation batch.")
  eval_particle_chunk: int = config.option(
      1024, "WGD: particles per chunk of the float64 evaluation (bounds its memory).")
  block_elements: int = config.option(
      1 << 22, "WGD: elements of one [samples, particles] block in training (bounds memory).")
  train_pool: int = config.option(
      0, "WGD: training draws come from a pool of this many training samples drawn once "
      "(sources slower to sample than a step, the GAN); 0: fresh draws every step.")
  grow_above: float = config.option(
      0.0, "WGD: while the rate (on samples the particles were not trained on) is above this "
      "fraction of its ceiling ln p, train again with --wgd_growth times the particles, each "
      "of the last run's split in place, up to --wgd_max_particles; the point is the last "
      "run's (docs/estimators.md). 0: never.")
  growth: int = config.option(4, "WGD: factor of the particle count from one run to the next.")
  grown_steps: int = config.option(
      0, "WGD: training steps of each run after the first, started at the last run's "
      "particles (0: --wgd_steps).")
  max_particles: int = config.option(
      0, "WGD: the most particles growth may reach; a point still above --wgd_grow_above of "
      "its ceiling there is marked at_ceiling (0: no growth).")
  max_seconds: float = config.option(
      0.0, "WGD: growth starts no run that would end the job past this many seconds, "
      "projected from the last run's training and screening times; a point left above "
      "--wgd_grow_above of its ceiling is marked at_ceiling (0: no limit).")
  screen_samples: int = config.option(
      4096, "WGD: samples whose mean rate decides whether to grow (synthetic sources: fresh "
      "held-out draws, not the point's; finite data: training samples).")
  checkpoint_every: int = config.option(500, "WGD: steps between checkpoints.")
  log_every: int = config.option(500, "WGD: steps between progress lines.")
  steps_per_call: int = config.option(50, "WGD: training steps per compiled call.")

  def validate(self):
    for name in ("particles", "batch", "eval_samples", "eval_batch", "eval_particle_chunk",
                 "block_elements", "checkpoint_every", "log_every", "steps_per_call"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    if min(self.steps, self.grown_steps, self.weight_updates_every, self.train_pool) < 0:
      raise ValueError(f"steps, grown_steps, weight_updates_every and train_pool must be >= 0, "
                       f"got {self.steps}, {self.grown_steps}, {self.weight_updates_every}, "
                       f"{self.train_pool}")
    if not self.lr > 0:
      raise ValueError(f"lr must be > 0, got {self.lr}")
    if not 0 <= self.lr_final_fraction <= 1:
      raise ValueError(f"lr_final_fraction must lie in [0, 1], got {self.lr_final_fraction}")
    if not self.max_seconds >= 0:
      raise ValueError(f"max_seconds must be >= 0, got {self.max_seconds}")
    if not 0 <= self.grow_above < 1:
      raise ValueError(f"grow_above must lie in [0, 1), got {self.grow_above}")
    if self.growth < 2 or self.max_particles < 0 or self.screen_samples < 1:
      raise ValueError(f"need growth >= 2, max_particles >= 0 and screen_samples >= 1, got "
                       f"{self.growth}, {self.max_particles}, {self.screen_samples}")
    if not 0 < self.responsibility_decay <= 1:
      raise ValueError(f"responsibility_decay must lie in (0, 1], got {self.responsibility_decay}")


PRESETS = {
    "quick": WGDConfig(particles=256, steps=300, batch=512, eval_samples=20_000,
                       log_every=100),
    "default": WGDConfig(),
    "paper": WGDConfig(particles=65536, steps=1000, batch=2048, eval_samples=200_000,
                       checkpoint_every=100, log_every=100, steps_per_call=10),
}


# Images (flattened; the GAN's): steps of 0.02 kernel widths per pixel, where the kernel is
# wide per pixel (docs/results.md, "GAN images"); a pool, as the GAN samples slowly.
# The default grows its particles where the rate passes 80% of ln p (`growth`): 1024, 4096,
# then 16384, the cap that kept a job within 10 minutes on 2026-12-06's faster machine, and
# no run past what the job's 10 minutes allow on the machine it runs on (`max_seconds`: two
# 2-core machines here differed about 5x). Grown runs start at the last run's
# particles and train half the steps, which pays for the larger cap; a pool of 65536 keeps
# 16384 particles from fitting the pool (measured: docs/estimators.md, "More particles where
# the rate needs them").
IMAGE_PRESETS = {
    "quick": dataclasses.replace(PRESETS["quick"], lr=0.02, eval_samples=4096,
                                 train_pool=4096),
    "default": WGDConfig(particles=1024, steps=400, lr=0.02, train_pool=65_536,
                         eval_samples=16_384, eval_batch=1024, grow_above=0.8,
                         max_particles=16_384, grown_steps=200, screen_samples=2048,
                         max_seconds=600.0),
    "paper": WGDConfig(particles=4096, steps=2000, lr=0.02, train_pool=65_536,
                       eval_samples=65_536, eval_batch=1024, grow_above=0.8,
                       max_particles=16_384, screen_samples=4096),
}


def _not_applicable(source):
  if len(source.event_shape) not in (1, 3):
    return (f"wgd supports vectors (n,) and images (H, W, C); {source.name} has event shape "
            f"{tuple(source.event_shape)}")
  if source.has_whole_images:
    return (f"wgd codes crops, and {source.name}'s photographs are measured whole (the upper "
            f"bound and the codecs)")
  return None


ESTIMATORS = (estimators.Estimator(
    name="wgd", run="rdbounds.particles.estimator:run", config_class=WGDConfig,
    presets=PRESETS, image_presets=IMAGE_PRESETS, flag_prefix="wgd_",
    not_applicable=_not_applicable,
    description="Wasserstein gradient descent on particles: achievable (D, R) points"),)
