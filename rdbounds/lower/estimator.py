"""The `lower_bound` estimator: train log u, then evaluate lower-bound lines.

Configured by `config.LowerBoundConfig` (presets and option docs there); registered through
`config.ESTIMATORS`, which names `run` below. Annealing (`anneal`): one log u is trained while
lambda grows from lambda_0 = `anneal_from` (or the smallest requested lambda) to the largest,
`steps` at lambda_0 and then `anneal_steps` of linear growth; a snapshot of log u is taken
when lambda reaches each requested value and evaluated there: one job, one record per lambda.
"""

import os
import time
from typing import List

import tensorflow as tf

from rdbounds import curves
from rdbounds import streams
from rdbounds.lower import config as config_lib
from rdbounds.lower import conv
from rdbounds.lower import coverage
from rdbounds.lower import eval_k as eval_k_lib
from rdbounds.lower import evaluator
from rdbounds.lower import finite_data
from rdbounds.lower import machine_speed
from rdbounds.lower import models
from rdbounds.lower import particle_log_u
from rdbounds.lower import trainer as trainer_lib
from rdbounds.lower.search import projection as projection_lib
from rdbounds.lower.search import spread as spread_lib
from rdbounds.sources import pooled
from rdbounds.sources import rescaled


# Training samples whose principal directions define a projection (their covariance is
# estimated to a few percent, which only moves the bound's tightness, never its validity).
_PROJECTION_SAMPLES = 8192


def _starts(search: str, config: config_lib.LowerBoundConfig):
  return "exhaustive" if search == "exhaustive" else config.starts


def build_log_u(source, config: config_lib.LowerBoundConfig, seed: int) -> models.LogU:
  """The MLP log u (CNN for images), standardized on training samples (stored in checkpoints).

  With `model="particles"`, a particle log u of the right shapes (images: flattened) whose
  values a checkpoint or `particle_log_u.initialize_from_wgd` sets.
  """
  if config.model == "particles":
    return particle_log_u.unset_log_u(config.particles, source.event_shape)
  if len(source.event_shape) == 3:
    return conv.build_conv_log_u(source, config, seed)
  tf.keras.utils.set_random_seed(seed)
  log_u = models.mlp_log_u(source.event_shape, config.widths, config.activation)
  samples = source.sample(10_000, seed=(seed, streams.LOG_U_STANDARDIZATION), split="train")
  log_u.standardize_from(samples.numpy())
  return log_u


def principal_projection(source, config: config_lib.LowerBoundConfig, seed: int):
  """The `search.projection.Projection` of `config.projection` (None when empty, or when it
  would not lower the samples' dimension), from the principal directions of training
  samples: the same for training and any evaluation."""
  if not config.projection or config.projection[-1] >= source.dim:
    return None
  samples = source.sample(_PROJECTION_SAMPLES, seed=(seed, streams.LB_PROJECTION),
                          split="train")
  return projection_lib.Projection.principal(samples.numpy(), config.projection)


def schedule_for(job, units: rescaled.Rescaled) -> trainer_lib.LambdaSchedule:
  """Lambda against training step, in the standardized units of `units`."""
  config = job.config
  if not config.anneal:
    lmbda = units.lmbda(job.lmbda)
    return trainer_lib.LambdaSchedule(lmbda, lmbda, config.steps)
  lambdas = job.requested_lambdas
  start = config.anneal_from or lambdas[0]
  anneal_steps = config.anneal_steps or config.steps
  return trainer_lib.LambdaSchedule(units.lmbda(start), units.lmbda(lambdas[-1]), config.steps,
                                    anneal_steps if lambdas[-1] > start else 0)


def run(source, job, context) -> List[curves.Record]:
  """Trains log u (annealed over the requested lambdas if `anneal`) and evaluates each line.

  With `job.trained_by`, evaluates the snapshots that job wrote instead (nothing is trained).
  Training and evaluation run in standardized units (`Rescaled`): the intercept of a line
  is the same in both, and the record carries the requested lambda.
  """
  started = time.time()
  config = job.config
  units = rescaled.Rescaled.of(source, job.seed)
  # Finite data too few for the evaluation's disjoint draws: refuse before training.
  eval_k, _ = finite_data.fit_to_data(units, config.eval_k or config.k, config.m,
                                      config.eval_seeds, config.fit_to_data)
  schedule = schedule_for(job, units)
  projection = principal_projection(units, config, job.seed)
  snapshot = build_log_u(units, config, job.seed)  # evaluated copy, taken at each lambda
  train = None
  if not job.trained_by:
    train, eval_k = _trainer(units, job, schedule, projection, eval_k, context, started)
  records = []
  for lmbda in job.requested_lambdas:
    step = _snapshot_at(lmbda, schedule.step_at(units.lmbda(lmbda)), snapshot, train, job,
                        context)
    evaluation = _evaluate(snapshot, units, lmbda, job, projection, eval_k, context.log)
    records.append(curves.Record(
        source=source.name, estimator="lower_bound", lmbda=float(lmbda),
        intercept_nats=evaluation.intercept, intercept_ci_low=evaluation.ci_low,
        intercept_ci_high=evaluation.ci_high, ceiling_nats=evaluation.ceiling,
        pixels_per_sample=source.pixels_per_sample, n_eval=int(evaluation.xi.size),
        steps=step, seconds=time.time() - started, seed=job.seed, run_id=job.job_id))
  return records


def _snapshot_at(lmbda, step, snapshot, train, job, context) -> int:
  """Puts the log u trained up to `lmbda` (training step `step`) into `snapshot`: restored
  when written before (a re-evaluation, or a resumed run past it), else trained now."""
  path = os.path.join(context.model_dir, "anneal", f"lambda={lmbda:g}") \
      if context.model_dir else None
  written = path is not None and os.path.exists(path + ".index")
  if train is None and not written:
    raise ValueError(f"lower_bound: job {job.trained_by} holds no trained log u for "
                     f"lambda={lmbda:g}; finish its sweep first")
  if written and (train is None or train.trainer.saved_step() >= step):
    read_snapshot(snapshot, path)
    return step
  result = train.run_until(step)
  snapshot_from(train.log_u, snapshot)
  if path:
    tf.train.Checkpoint(log_u=snapshot).write(path)
  context.log(f"lower_bound: lambda={lmbda:g} reached at step {result.steps}")
  return step


def _evaluate(snapshot, units, lmbda, job, projection, eval_k, log) -> evaluator.Evaluation:
  """The line of `snapshot` at the requested `lambda` (evaluated in standardized units), on
  draws of `eval_k`."""
  config = job.config
  note = coverage.unmeasured_note(config.m, len(units.event_shape) == 3)
  if note:
    log(note)
  spread = spread_lib.current()
  if spread.workers > 1:
    log(f"lower_bound: each draw's mode search spread over {spread.workers} Dask workers")
  try:
    evaluation = evaluator.evaluate(
        snapshot, units, units.lmbda(lmbda), eval_k, config.m,
        seeds=[job.seed * 1000 + config.eval_seed + s for s in range(config.eval_seeds)],
        search_options=config.search_options, projection=projection,
        fit=config.fit_to_data, log=log, spread=spread)
  except evaluator.UnconvergedSearchError as e:  # name the lambda the user asked for
    raise evaluator.UnconvergedSearchError(e.unconverged, e.num_starts, e.max_iterations,
                                           lmbda) from None
  if evaluation.saturated:
    log(f"warning: lower bound at lambda={lmbda:g} ({evaluation.intercept:.4g} nats) is "
        f"within 5% of its ceiling ln k = {evaluation.ceiling:.4g}; increase k")
  return evaluation


def _trainer(source, job, schedule, projection, eval_k, context, started):
  """`(trainer, eval_k)`: the job's `LowerBoundTrainer` (checkpoints in the job's model
  folder), on a pool of `train_pool` training samples if set; particles start from WGD on
  the same draws. `eval_k`: the evaluation's k after any fitting to finite data, returned
  raised where an untrained particle log u meets its ceiling (`eval_k.choose`), within what
  the job started at `started` (time.time()) has left of its time."""
  config = job.config
  lambdas = job.requested_lambdas
  log_u = build_log_u(source, config, job.seed)
  unpooled = source  # what the evaluation draws from: its speed, not the pool's, prices k
  source = pooled.training_source(source, config.train_pool, job.seed, context.log)
  train = trainer_lib.LowerBoundTrainer(
      log_u, source, schedule, k=config.k, seed=job.seed, lr=config.lr,
      lr_final_fraction=config.lr_final_fraction, clip_norm=config.clip_norm,
      alpha_decay=config.alpha_decay, starts=_starts(config.search, config),
      search_options=config.search_options, projection=projection,
      workdir=context.model_dir, checkpoint_every=config.checkpoint_every,
      log_every=config.log_every, steps_per_call=config.steps_per_call, log=context.log)
  if config.model == "particles" and not train.trainer.saved_step():
    # A fresh run: particles from WGD at the first lambda of the schedule (a resumed run
    # restores them with the rest of its checkpoint). The floor is set for the draws that
    # use it next: training's, or with no training step the evaluation's.
    floor_k = config.k if schedule.num_steps else eval_k
    upper_side = start_particles(log_u, source, config, schedule.start, floor_k, job.seed,
                                 context.log)
    if config.max_eval_k and not schedule.num_steps and len(lambdas) == 1:
      eval_k = _eval_k_for_the_rate(log_u, unpooled, source, projection, config, upper_side,
                                    eval_k, lambdas[0], job.seed, started, context.log)
  context.log(f"lower_bound: k={config.k} {len(lambdas)} lambda(s) "
              f"{','.join(f'{l:g}' for l in lambdas)}, {schedule.num_steps} steps"
              + (f", annealed from {config.anneal_from or lambdas[0]:g}" if config.anneal
                 else ""))
  return train, eval_k


def _eval_k_for_the_rate(log_u, source, pool, projection, config, upper_side, eval_k, lmbda,
                         seed, started, log) -> int:
  """The evaluation's k raised where the upper side's R + lambda D (`upper_side`, the
  particles' L_BA) nears ln k (`eval_k.choose`), within what finite held-out data allow and
  what the job's time left affords on this machine (`machine_speed`, probed only here: its
  search on training samples of `pool`); there the floor sits where the body reaches
  (`particle_log_u.log_floor_near_ceiling`), whether k could be raised or not."""
  most = config.max_eval_k
  draws = config.m * config.eval_seeds
  if source.held_out_samples is not None:
    most = min(most, source.held_out_samples // draws)
  if eval_k_lib.needed_k(upper_side) <= eval_k:  # `choose` would keep it: spare the probe
    return eval_k
  probe_k = min(machine_speed.LANDSCAPE_PROBE_SAMPLES, eval_k)
  speed = machine_speed.measure(source, seed)._replace(
      search_pair_seconds=machine_speed.search_pair_seconds(
          _search_on_training_samples(log_u, pool, projection, config, source.lmbda(lmbda),
                                      seed, probe_k), probe_k))
  budget = eval_k_lib.JOB_SECONDS - (time.time() - started)
  choice = eval_k_lib.choose(upper_side, eval_k, most, draws, lmbda, speed, budget)
  if choice.note:
    log(choice.note)
  log_floor = particle_log_u.log_floor_near_ceiling(choice.k, eval_k, config.floor_margin,
                                                    upper_side)
  log_u.network.log_floor.assign(log_floor)
  log(f"lower_bound: log floor {log_floor:.3g} for k={choice.k}")
  return choice.k


def _search_on_training_samples(log_u, pool, projection, config, lmbda, seed, k):
  """The evaluation's exhaustive search of k training samples from `pool`, prepared as a
  call of no arguments (log u and the lift done here), for `machine_speed` to time."""
  x = pool.sample(k, seed=(seed, streams.SPEED_PROBE), split="train")
  return evaluator.prepared_search(x, evaluator.log_weights(log_u, x), lmbda,
                                   config.search_options, projection)


def start_particles(log_u, source, config: config_lib.LowerBoundConfig, lmbda: float,
                    floor_k: int, seed: int, log=lambda line: None) -> float:
  """Sets a particle `log_u` (`build_log_u`) to `config`'s start: WGD's particles on the
  training `source` at `lmbda` (standardized units), the floor for draws of `floor_k`.
  Returns the particles' L_BA on a training batch (nats)."""
  return particle_log_u.initialize_from_wgd(
      log_u, source, lmbda, config.particle_steps, floor_k, seed, config.floor_margin, log,
      config.particle_lr, config.kernel_fraction)


def read_snapshot(log_u, path: str):
  """Restores the snapshot at `path` into `log_u`, checked: every variable of `log_u` gets a
  value and every value is used, so a log u of another shape (a changed preset) raises
  instead of evaluating a partly restored model."""
  tf.train.Checkpoint(log_u=log_u).read(path).assert_consumed()


def snapshot_from(log_u, snapshot):
  """Copies weights and standardization of `log_u` into `snapshot`."""
  for target, value in zip(snapshot.variables, log_u.variables):
    target.assign(value)
