"""The `wgd` estimator: train particles at one lambda, evaluate their encoder on held-out data.

Configured by `config.WGDConfig` (presets and option docs there); registered through
`config.ESTIMATORS`, which names `run` below. One record per job: an achievable point
(distortion, rate_nats) with standard errors and the rate ceiling max_j ln(1 / nu_j).
Particles live in the source's standardized units (`sources.rescaled`), so the step sizes of
one preset serve data of any scale; the point is reported in the source's units.
"""

import time
from typing import List

from rdbounds import curves
from rdbounds.particles import evaluate as evaluate_lib
from rdbounds.particles import trainer as trainer_lib
from rdbounds.sources import flattened
from rdbounds.sources import pooled
from rdbounds.sources import rescaled


def run(source, job, context) -> List[curves.Record]:
  started = time.time()
  config = job.config
  name = f"wgd lambda={job.lmbda:g}"
  context.log(f"{name}: p={config.particles} particles, {config.steps} steps of "
              f"{config.batch} samples ({config.optimizer})")
  units = rescaled.Rescaled.of(source, job.seed)
  lmbda = units.lmbda(job.lmbda)
  training = pooled.training_source(units, config.train_pool, job.seed, context.log)
  held_out = units
  if units.is_image:  # flattened: the distortion (MSE per dimension) ignores a sample's shape
    training, held_out = flattened.Flattened(training), flattened.Flattened(units)
  measure, result = trainer_lib.train(training, config, lmbda, job.seed, context.workdir,
                                      context.log, name)
  ev = evaluate_lib.evaluate(measure, held_out, lmbda, config.eval_samples, config.eval_batch,
                             seed=job.seed, particle_chunk=config.eval_particle_chunk)
  distortion, distortion_se = (units.distortion(v) for v in (ev.distortion.mean, ev.distortion.se))
  context.log(f"{name}: held-out D={distortion:.5g}±{distortion_se:.2g} "
              f"R={ev.rate.mean:.5g}±{ev.rate.se:.2g} nats (n={ev.n_eval}, "
              f"ceiling {ev.ceiling:.4g})")
  if ev.saturated:
    context.log(f"warning: {name}: rate {ev.rate.mean:.4g} nats is above "
                f"{curves.AT_CEILING:.0%} of its ceiling {ev.ceiling:.4g} nats (ln p for "
                f"uniform weights); use more particles")
  return [curves.Record(
      source=source.name, estimator="wgd", lmbda=job.lmbda,
      distortion=distortion, distortion_se=distortion_se,
      rate_nats=ev.rate.mean, rate_nats_se=ev.rate.se, ceiling_nats=ev.ceiling,
      pixels_per_sample=source.pixels_per_sample, n_eval=ev.n_eval, steps=result.steps,
      seconds=time.time() - started, seed=job.seed,
      run_id=job.job_id)]
