"""The `wgd` estimator: train particles at one lambda, evaluate their encoder on held-out data.

Configured by `config.WGDConfig` (presets and option docs there); registered through
`config.ESTIMATORS`, which names `run` below. One record per job: an achievable point
(distortion, rate_nats) with standard errors and the rate ceiling max_j ln(1 / nu_j).
Particles live in the source's standardized units (`sources.rescaled`), so the step sizes of
one preset serve data of any scale; the point is reported in the source's units.
"""

import functools
import os
import time
from typing import List

from rdbounds import curves
from rdbounds.particles import evaluate as evaluate_lib
from rdbounds.particles import growth
from rdbounds.particles import trainer as trainer_lib
from rdbounds.sources import flattened
from rdbounds.sources import pooled
from rdbounds.sources import rescaled


def run(source, job, context) -> List[curves.Record]:
  started = time.time()
  config = job.config
  name = f"wgd lambda={job.lmbda:g}"
  units = rescaled.Rescaled.of(source, job.seed)
  lmbda = units.lmbda(job.lmbda)
  training = pooled.training_source(units, config.train_pool, job.seed, context.log)
  held_out = units
  if units.is_image:  # flattened: the distortion (MSE per dimension) ignores a sample's shape
    training, held_out = flattened.Flattened(training), flattened.Flattened(units)
  measure, result, screened = _train_growing(training, held_out, config, lmbda, job.seed,
                                             context, name, started)
  ev = evaluate_lib.evaluate(measure, held_out, lmbda, config.eval_samples, config.eval_batch,
                             seed=job.seed, particle_chunk=config.eval_particle_chunk)
  distortion, distortion_se = (units.distortion(v) for v in (ev.distortion.mean, ev.distortion.se))
  context.log(f"{name}: held-out D={distortion:.5g}±{distortion_se:.2g} "
              f"R={ev.rate.mean:.5g}±{ev.rate.se:.2g} nats (n={ev.n_eval}, "
              f"ceiling {ev.ceiling:.4g})")
  # Grown as far as allowed and still above the growth target: held down by the ceiling.
  capped = screened is not None and ev.rate.mean > config.grow_above * ev.ceiling
  if capped:
    held_by = (f"--wgd_max_particles={measure.num_particles}"
               if growth.next_count(measure.num_particles, config) is None else
               f"{measure.num_particles} particles, where --wgd_max_seconds="
               f"{config.max_seconds:g} stopped growth on this machine")
    context.log(f"warning: {name}: rate {ev.rate.mean:.4g} nats is above "
                f"{config.grow_above:.0%} of ln p = {ev.ceiling:.4g} at {held_by}; at least "
                f"--wgd_max_particles="
                f"{growth.needed(ev.rate.mean, config.grow_above)} would be needed (a run "
                f"costs about particles x steps); the point is marked at_ceiling")
  elif ev.saturated:
    context.log(f"warning: {name}: rate {ev.rate.mean:.4g} nats is above "
                f"{curves.AT_CEILING:.0%} of its ceiling {ev.ceiling:.4g} nats (ln p for "
                f"uniform weights); use more particles")
  return [curves.Record(
      source=source.name, estimator="wgd", lmbda=job.lmbda,
      distortion=distortion, distortion_se=distortion_se,
      rate_nats=ev.rate.mean, rate_nats_se=ev.rate.se, ceiling_nats=ev.ceiling,
      pixels_per_sample=source.pixels_per_sample, n_eval=ev.n_eval, steps=result.steps,
      seconds=time.time() - started, seed=job.seed,
      run_id=job.job_id, at_ceiling=True if capped else None)]


def _train_growing(training, held_out, config, lmbda, seed, context, name, started):
  """`(measure, training result, screened rate or None)` of the last run of the particle
  count's growth (`growth`); without growth, the one run of `config.particles`. Each run
  has its own checkpoints (the first in the job's folder, as without growth), so a resumed
  job replays finished runs from their last checkpoints. With `config.max_seconds`, no run
  starts that `growth.projected_end` puts past it (`started`: the job's time.time())."""
  particles, initial, screened = config.particles, None, None
  while True:
    grown = particles != config.particles
    steps = config.grown_steps if grown and config.grown_steps else config.steps
    run_config = config.override(particles=particles, steps=steps)
    workdir = context.workdir
    if workdir and grown:
      workdir = os.path.join(workdir, f"particles={particles}")
    context.log(f"{name}: p={particles} particles, {run_config.steps} steps of {config.batch} "
                f"samples ({config.optimizer})")
    run_started = time.time()
    measure, result = trainer_lib.train(training, run_config, lmbda, seed, workdir,
                                        context.log, name, initial=initial)
    run_seconds = time.time() - run_started
    bigger = growth.next_count(particles, config)
    target = config.grow_above * measure.ceiling_nats()
    # Far below the target on training batches: no screening pass (growth.py, "Cost").
    if not growth.enabled(config) or result.metrics.get("rate", target) <= target / 2:
      return measure, result, None
    screen_started = time.time()
    screened = growth.screened_rate(measure, held_out, training, lmbda, config, seed)
    if screened <= target or bigger is None:
      return measure, result, (screened if screened > target else None)
    if config.max_seconds:
      now = time.time()
      end_of = functools.partial(growth.projected_end, now - started, run_seconds, steps,
                                 now - screen_started, particles, config=config)
      fitting = growth.within_time(particles, bigger, end_of, config.max_seconds)
      if fitting != bigger:
        past = (f"{bigger} particles would end the job about {end_of(bigger):.0f} s in, past "
                f"--wgd_max_seconds={config.max_seconds:g} on this machine")
        if fitting is None:
          context.log(f"{name}: screened rate {screened:.4g} nats is above "
                      f"{config.grow_above:.0%} of ln p = {measure.ceiling_nats():.4g}, but "
                      f"{past}")
          return measure, result, screened
        context.log(f"{name}: {past}; {fitting} fit")
        bigger = fitting
    context.log(f"{name}: screened rate {screened:.4g} nats is above {config.grow_above:.0%} "
                f"of ln p = {measure.ceiling_nats():.4g}: {bigger} particles, split from "
                f"these {particles}")
    initial = growth.split(measure.particles.numpy(), bigger, lmbda, seed)
    particles = bigger
