"""The `lower_bound` estimator: train log u, then evaluate lower-bound lines (DESIGN.md §2).

Config (presets below; every key may be overridden):
  k: samples per draw (training and evaluation); ceiling ln k.
  m: evaluation draws per half (2M draws per evaluation seed).
  eval_seeds: number of evaluation seeds; their xi are pooled.
  widths, activation: the MLP log u.
  steps: training steps (at lambda_0 when annealing).
  lr, lr_final_fraction, clip_norm, alpha_decay: optimizer (Adam, cosine decay), clipping,
    weight of a new C_k in the running alpha.
  train_starts: mode search while training: "exhaustive" or t (quick, top-t starts).
  eval_starts: mode search in evaluation (default "exhaustive").
  tol, prune_margin, max_iterations, chunk_size: mode search (see
    `mode_finding.find_mode`).
  anneal: train one log u while lambda grows; `lambdas` lists the requested lambdas (set by
    `plan_jobs`), lambda_0 = `anneal_from` or the smallest requested, lambda_1 the largest;
    `steps` at lambda_0, then `anneal_steps` of linear growth; a snapshot of log u is taken
    when lambda reaches each requested value and evaluated there. One job, one record per
    requested lambda.
  checkpoint_every, log_every, steps_per_call: as the shared `Trainer`.
  image_<key> (key in `conv.IMAGE_KEYS`: widths, steps, k, m, lr, anneal_steps, train_starts):
    for image sources a non-None value replaces `<key>` (`widths` are then channels per conv
    stage); image_blocks, image_activation: residual blocks per stage and activation of the
    CNN log u (`conv.build_conv_log_u`). C_k's mode search on images runs in the Gram form.
"""

import dataclasses
import math
import os
import time
from typing import List

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import estimators
from rdbounds.lower import conv
from rdbounds.lower import evaluator
from rdbounds.lower import models
from rdbounds.lower import objective
from rdbounds.lower import trainer as trainer_lib

_COMMON = dict(
    activation="softplus", lr_final_fraction=0.1, clip_norm=10.0, alpha_decay=0.01,
    train_starts=20, eval_starts="exhaustive",
    tol=1e-7, prune_margin=10.0, max_iterations=1000, chunk_size=512,
    anneal=False, lambdas=None, anneal_from=None, anneal_steps=None,
    checkpoint_every=500, log_every=250, steps_per_call=25,
    # Image sources (CNN log u): None keeps the vector value.
    image_blocks=0, image_activation=None, image_m=None, image_lr=None,
    image_anneal_steps=None, image_train_starts=None)

PRESETS = {
    "quick": dict(_COMMON, k=512, m=10, eval_seeds=1, widths=[64, 64], steps=300, lr=1e-3,
                image_widths=[16, 32, 32], image_steps=150, image_k=256),
    "default": dict(_COMMON, k=4096, m=30, eval_seeds=1, widths=[200, 200, 200], steps=3000,
                    lr=1e-3, image_widths=[32, 64, 64], image_steps=2000, image_k=1024),
    "paper": dict(_COMMON, k=16384, m=50, eval_seeds=2, widths=[200, 200, 200], steps=10000,
                  lr=1e-3, image_widths=[64, 128, 128], image_steps=10000, image_k=4096),
}


def _not_applicable(source):
  if len(source.event_shape) not in (1, 3):
    return (f"the lower bound's log u is an MLP for vectors (n,) or a CNN for images (H, W, C); "
            f"{source.name} has event shape {tuple(source.event_shape)}")
  return None


def _search_options(config):
  return {"tol": config["tol"], "prune_margin": config["prune_margin"],
          "max_iterations": config["max_iterations"], "chunk_size": config["chunk_size"]}


def _starts(value):
  return value if value == "exhaustive" else int(value)


def build_log_u(source, config, seed):
  """The MLP log u (CNN for images), standardized on training samples (stored in checkpoints).

  For image sources `config` must be resolved by `conv.image_config`.
  """
  if len(source.event_shape) == 3:
    return conv.build_conv_log_u(source, config, seed)
  tf.keras.utils.set_random_seed(seed)
  log_u = models.mlp_log_u(source.event_shape, config["widths"], config["activation"])
  log_u.standardize_from(source.sample(10_000, seed=(seed, 2**20), split="train").numpy())
  return log_u


def schedule_for(job) -> trainer_lib.LambdaSchedule:
  config = job.config
  if not config["anneal"]:
    return trainer_lib.LambdaSchedule(job.lmbda, job.lmbda, config["steps"])
  lambdas = sorted(config["lambdas"] or [job.lmbda])
  start = config["anneal_from"] or lambdas[0]
  anneal_steps = config["anneal_steps"] or config["steps"]
  return trainer_lib.LambdaSchedule(start, lambdas[-1], config["steps"],
                                    anneal_steps if lambdas[-1] > start else 0)


def run(source, job, context) -> List[curves.Record]:
  """Trains log u (annealed over the requested lambdas if `anneal`) and evaluates each line."""
  started = time.time()
  config = job.config
  if len(source.event_shape) == 3:
    config = conv.image_config(config)
  schedule = schedule_for(dataclasses.replace(job, config=config))
  lambdas = sorted(config["lambdas"] or [job.lmbda]) if config["anneal"] else [job.lmbda]
  log_u = build_log_u(source, config, job.seed)
  snapshot = build_log_u(source, config, job.seed)  # evaluated copy, taken at each lambda
  workdir = context.workdir
  train = trainer_lib.LowerBoundTrainer(
      log_u, source, schedule, k=config["k"], seed=job.seed, lr=config["lr"],
      lr_final_fraction=config["lr_final_fraction"], clip_norm=config["clip_norm"],
      alpha_decay=config["alpha_decay"], starts=_starts(config["train_starts"]),
      search_options=_search_options(config), workdir=workdir,
      checkpoint_every=config["checkpoint_every"], log_every=config["log_every"],
      steps_per_call=config["steps_per_call"], log=context.log)
  context.log(f"lower_bound: k={config['k']} {len(lambdas)} lambda(s) "
              f"{','.join(f'{l:g}' for l in lambdas)}, {schedule.num_steps} steps"
              + (f", annealed from {schedule.start:g}" if config["anneal"] else ""))
  records = []
  for lmbda in lambdas:
    step = schedule.step_at(lmbda)
    path = os.path.join(workdir, "anneal", f"lambda={lmbda:g}") if workdir else None
    if path and os.path.exists(path + ".index") and train.trainer.restore() >= step:
      # Resumed past this lambda: its snapshot was written before.
      tf.train.Checkpoint(log_u=snapshot).read(path).expect_partial()
    else:
      result = train.run_until(step)
      snapshot_from(log_u, snapshot)
      if path:
        tf.train.Checkpoint(log_u=snapshot).write(path)
      context.log(f"lower_bound: lambda={lmbda:g} reached at step {result.steps}")
    evaluation = evaluator.evaluate(
        snapshot, source, lmbda, config["k"], config["m"],
        seeds=[job.seed * 1000 + s for s in range(config["eval_seeds"])],
        starts=_starts(config["eval_starts"]), search_options=_search_options(config),
        log=context.log)
    if evaluation.unconverged:
      context.log(f"lower_bound: {evaluation.unconverged} mode-search starts hit "
                  f"max_iterations={config['max_iterations']} at lambda={lmbda:g}")
    if evaluation.saturated:
      context.log(f"warning: lower bound at lambda={lmbda:g} ({evaluation.intercept:.4g} nats) "
                  f"is within 5% of its ceiling ln k = {evaluation.ceiling:.4g}; increase k")
    records.append(curves.Record(
        source=source.name, estimator="lower_bound", lmbda=float(lmbda),
        intercept_nats=evaluation.intercept, intercept_ci_low=evaluation.ci_low,
        intercept_ci_high=evaluation.ci_high, ceiling_nats=evaluation.ceiling,
        pixels_per_sample=source.pixels_per_sample, n_eval=int(evaluation.xi.size),
        steps=step, seconds=time.time() - started, seed=job.seed, run_id=job.job_id))
  return records


def snapshot_from(log_u, snapshot):
  """Copies weights and standardization of `log_u` into `snapshot`."""
  for target, value in zip(snapshot.variables, log_u.variables):
    target.assign(value)


class LowerBoundEstimator(estimators.Estimator):
  """The registry entry, plus `plan_jobs`: one job per lambda, or one annealed job."""

  def plan_jobs(self, lambdas, seed, config, source_description):
    if config.get("anneal"):
      requested = sorted(float(l) for l in lambdas)
      return [estimators.Job(self.name, requested[-1], seed, dict(config, lambdas=requested),
                             source_description)]
    return [estimators.Job(self.name, float(l), seed, config, source_description)
            for l in lambdas]


ESTIMATOR = estimators.register(LowerBoundEstimator(
    name="lower_bound", run=run, not_applicable=_not_applicable, presets=PRESETS))
