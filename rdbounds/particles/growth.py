"""More particles where the rate needs them: wgd's particle count grown against its ln p ceiling.

No rate of p particles exceeds max_j ln(1 / nu_j), ln p for equal weights
(`measure.ParticleMeasure.ceiling_nats`). Where R(D) at lambda needs more, a point's rate sits
near ln p and its R + lambda D is mostly distortion that more particles would buy down
(GAN d = 4, lambda 2000: 6.62 of ln 1024 = 6.93 nats, the UB 48% above the LB). The rule, with
`grow_above` = g (the GAN images' default: 0.8):

  * train p_0 = `particles`; screen its rate on samples the particles were not trained on;
  * while the rate is above g ln p_s and p_s < `max_particles`, train
    p_{s+1} = min(`growth` p_s, `max_particles`) particles, started at the last run's particles
    each split into copies (`split`), and screen again;
  * the point reported is the last run's, evaluated like any wgd point. If it stopped at
    `max_particles` with its held-out rate still above g ln p, its record is marked
    `at_ceiling`, and the log says how many particles would at least be needed (`needed`).

Cost: nothing where the last training batch's rate is below half the target (GAN d = 2,
lambda 300); else one screening pass over `screen_samples` samples per run. A run costs about
its particle count times its steps (samples x particles x n per step). Grown runs train
`grown_steps` (the image default: half of `steps`): they start at particles already placed,
and WGD only has to pull the copies apart (what that costs the point was measured at one GAN
case: docs/estimators.md). So the image default's chain 1024, 4096, 16384 costs about 11 times
the first run's training. The cap bounds that on any machine; `max_seconds` keeps a job
within its time on the machine it runs on: no run starts that `projected_end` puts past it
(two 2-core machines here differed about 5x, so no fixed cap fits both); where `growth` times
the particles would, a smaller step that fits is taken (`within_time`: 4096 to 8192 rather
than to 16384). Every run that starts trains for its full steps: no run cut short by a
budget is ever evaluated. (Measured, not proven: the projection assumes time proportional to
particles x steps. A resumed job replays finished runs from their checkpoints in less time,
so it may grow where the first attempt stopped.)

Validity: each run trains on training samples only, and the point is the last run's,
measured on held-out samples as always (`evaluate`). The decision to grow never looks at those
held-out samples: it screens fresh held-out draws of another seed stream (synthetic sources),
or training samples (finite data, whose held-out split the point uses whole).

Started where the last run ended: each particle split into `growth` copies a hundredth of a
nat apart in kernel terms (the measure, hence L_BA, nearly unchanged), which WGD then pulls
apart where the rate wants more symbols. Measured on N(0, I_2) at lambda 30, 32 -> 128
particles: the same L_BA as a cold start from samples after 300 steps (4.512 both), 4.531
against 4.526 after 100; the split is kept for continuity, not for speed.
"""

import math
from typing import Optional

import numpy as np
import tensorflow as tf

from rdbounds import streams
from rdbounds.particles import config as config_lib
from rdbounds.particles import evaluate as evaluate_lib
from rdbounds.particles import measure as measure_lib
from rdbounds.sources import base

# Mean kernel cost lambda |delta|^2 / n of the displacement between split copies (nats).
SPLIT_SPREAD_NATS = 0.01


def enabled(config: config_lib.WGDConfig) -> bool:
  return config.grow_above > 0 and config.max_particles > config.particles


def next_count(particles: int, config: config_lib.WGDConfig) -> Optional[int]:
  """The next run's particle count, or None at `max_particles` (or without growth)."""
  if not enabled(config) or particles >= config.max_particles:
    return None
  return min(config.growth * particles, config.max_particles)


def split(particles, count: int, lmbda: float, seed: int) -> np.ndarray:
  """`[count, n]` float32: the `[p, n]` particles tiled (each gets floor or ceil of count / p
  copies), every copy moved by N(0, s^2) per coordinate with lambda s^2 = SPLIT_SPREAD_NATS, so
  a copy sits SPLIT_SPREAD_NATS from its original in kernel terms on average.

  Args:
    lmbda: lambda in the units of the particles (rho = MSE per dimension).
  """
  particles = np.asarray(particles, np.float64)
  copies = np.tile(particles, (math.ceil(count / len(particles)), 1))[:count]
  rng = np.random.default_rng([seed, streams.WGD_SPLIT, count])
  spread = math.sqrt(SPLIT_SPREAD_NATS / float(lmbda))
  return (copies + spread * rng.standard_normal(copies.shape)).astype(np.float32)


def screened_rate(measure: measure_lib.ParticleMeasure, held_out: base.Source,
                  training: base.Source, lmbda: float, config: config_lib.WGDConfig,
                  seed: int) -> float:
  """Mean rate (nats) of `measure`'s encoder on `config.screen_samples` samples that decide
  growth: fresh draws of `held_out`'s test split with their own seed stream (synthetic
  sources), else `training` samples (module docstring)."""
  synthetic = held_out.size is None
  source, split_ = (held_out, "test") if synthetic else (training, "train")
  batch = config.eval_batch
  total, count = 0.0, 0
  for i in range(math.ceil(config.screen_samples / batch)):
    size = min(batch, config.screen_samples - i * batch)
    x = source.sample(size, seed=(seed, streams.WGD_SCREENING + i), split=split_)
    _, rate, _ = evaluate_lib.per_sample(tf.cast(x, tf.float32), measure, lmbda,
                                         config.eval_particle_chunk)
    total += float(tf.reduce_sum(rate))
    count += size
  return total / count


def needed(rate: float, grow_above: float) -> int:
  """The fewest particles (a power of 2) whose ln p puts `rate` below `grow_above` ln p: a
  lower bound on what the point needs, since more particles only let the rate rise."""
  return 2 ** math.ceil(rate / grow_above / math.log(2))


def within_time(particles: int, bigger: int, end_of, max_seconds: float) -> Optional[int]:
  """The next run's particle count where `bigger` would overrun the job's time: the largest of
  bigger, bigger / 2, ... (down to 2 `particles`) whose projected end `end_of(count)` (seconds
  into the job, `projected_end`) is within `max_seconds`; None when not even twice the
  particles fit. A smaller step still adds ln(count / particles) nats of ceiling."""
  count = bigger
  while count >= 2 * particles:
    if end_of(count) <= max_seconds:
      return count
    count //= 2
  return None


def projected_end(elapsed: float, run_seconds: float, run_steps: int, screen_seconds: float,
                  particles: int, bigger: int, config: config_lib.WGDConfig) -> float:
  """About when (seconds into the job) it would end if it trained `bigger` particles next.

  Scaled from the last run of `particles` (its `run_steps` steps took `run_seconds`, its
  screening pass over `screen_samples` took `screen_seconds`), every part proportional to
  particles: the next run's `grown_steps` (or `steps`), its screening, and the point's
  held-out evaluation over `eval_samples`. Screening also draws its samples, which does not
  grow with particles, so the projection errs long.
  """
  scale = bigger / particles
  steps = config.grown_steps or config.steps
  training = run_seconds * scale * steps / max(1, run_steps)
  screening = screen_seconds * scale
  evaluation = screening * config.eval_samples / config.screen_samples
  return elapsed + training + screening + evaluation
