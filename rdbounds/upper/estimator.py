"""The `upper_bound` estimator: train a beta-VAE at one lambda, evaluate it on held-out data.

Configured by `config.UpperBoundConfig` (presets and option docs there); registered through
`config.ESTIMATORS`, which names `run` below.
"""

import dataclasses
import os
import time
from typing import List

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import nets
from rdbounds import streams
from rdbounds import training
from rdbounds.sources import rescaled
from rdbounds.upper import config as config_lib
from rdbounds.upper import conv
from rdbounds.upper import evaluate as evaluate_lib
from rdbounds.upper import kmeans as kmeans_lib
from rdbounds.upper import model as model_lib
from rdbounds.upper import refine
from rdbounds.upper import spatial
from rdbounds.upper import train as train_lib
from rdbounds.upper import whole_images


def resolve(config: config_lib.UpperBoundConfig, lmbda: float, source_dim: int = None
            ) -> config_lib.UpperBoundConfig:
  """Checks lambda and the config against the source; returns it with `latent_dim` set.

  Raises:
    ValueError naming the bad option.
  """
  if lmbda is None or not lmbda >= 0 or lmbda == float("inf"):
    raise ValueError(f"lambda must be a finite number >= 0, got {lmbda}")
  if config.latent_dim is None:
    if source_dim is None:
      raise ValueError("latent_dim is None and no source dimension to default to")
    config = dataclasses.replace(config, latent_dim=int(source_dim))
  if not config.decoder and source_dim is not None and config.latent_dim != source_dim:
    raise ValueError(f"without a decoder (y = z) latent_dim must equal the source dimension "
                     f"{source_dim}, got {config.latent_dim}")
  return config


def build_model(config: config_lib.UpperBoundConfig, event_shape, seed: int = 0,
                lmbda: float = None) -> model_lib.BetaVAE:
  """A built beta-VAE for vector samples `[B, n]` from a resolved config (`resolve`).

  `lmbda` (in the units the model trains in) is needed by the gibbs posterior only.

  Images (`event_shape = (H, W, C)`) get the convolutional model of `conv.build_conv_model`.
  Initial weights are drawn from Keras' global generator, seeded here with `seed`, so a job
  is reproducible.
  """
  if len(event_shape) == 3:
    return conv.build_conv_model(config, event_shape, seed)
  tf.keras.utils.set_random_seed(int(seed))
  n = int(event_shape[0])
  d = config.latent_dim
  params = 2 * d if config.posterior == "gaussian" else d
  encoder = (None if config.posterior == "gibbs" else
             nets.mlp(config.widths, params, config.activation, name="encoder"))
  decoder = (nets.mlp(config.widths[::-1], n, config.activation, name="decoder")
             if config.decoder else None)
  return model_lib.assemble(config, encoder, decoder, d, event_shape, seed, lmbda)


def init_prior(model: model_lib.BetaVAE, config: config_lib.UpperBoundConfig, source, seed: int):
  """With `prior_init="kmeans"`, puts the mixture prior's components on k-means clusters.

  Without a decoder the latent is the reconstruction (y = z), so the clusters are those of the
  training data themselves; with a decoder, those of the initial encoder's posterior means
  (where the data's clusters land in latent space before training).
  """
  if config.prior_init != "kmeans":
    return
  count = config.kmeans_samples
  if source.size is not None:
    count = min(count, source.size["train"])
  x = source.sample(count, seed=(seed, streams.KMEANS), split="train")
  if model.decoder is not None:
    x = model.posterior_distribution(x).mean()
  x = tf.convert_to_tensor(x)
  clusters = kmeans_lib.kmeans(x.numpy().reshape(count, -1), config.mixture_components,
                               seed=seed)
  stds = clusters.stds
  if model.posterior == "gibbs":
    # The Gibbs channel blurs the prior by N(0, delta I) to explain the data, so a cluster of
    # variance v is explained by a component of variance v - delta (kept at >= 1% of v).
    delta = model.latent_shape[0] / (2.0 * model.lmbda)
    stds = np.sqrt(np.maximum(stds**2 - delta, 1e-4 * stds**2))
  model.prior.init_from_clusters(clusters.centroids, stds, clusters.weights)


def _trainer(model, source, config: config_lib.UpperBoundConfig, lmbda: float, seed: int,
             workdir, log, name: str, loss_scale: float = 1.0,
             trained_by: str = None) -> training.Trainer:
  """The shared training loop for `model` on `source`'s draws at `lmbda` (Adam, cosine decay).

  Raises ValueError when `workdir` holds the model of another job (`trained_by`), to be
  evaluated again, whose training has not finished.
  """
  optimizer = train_lib.make_optimizer(config.lr, config.steps, config.lr_final_fraction)
  train_lib.build_optimizer_state(optimizer, model)
  one_step = train_lib.make_one_step(model, optimizer, lmbda, seed, config.clip_norm,
                                     loss_scale=loss_scale)
  trainer = training.Trainer(
      one_step, {"model": model, "optimizer": optimizer}, source, batch_size=config.batch,
      seed=seed, num_steps=config.steps, workdir=workdir,
      checkpoint_every=config.checkpoint_every, log_every=config.log_every,
      steps_per_call=config.steps_per_call, log=log, name=name)
  if trained_by and trainer.saved_step() < config.steps:
    raise ValueError(f"upper_bound: job {trained_by} has not finished training "
                     f"({trainer.saved_step()} of {config.steps} steps); finish its sweep first")
  return trainer


def train_and_evaluate(source, config: config_lib.UpperBoundConfig, lmbda: float, seed: int = 0,
                       workdir=None, log=print, name: str = "upper_bound", trained_by=None):
  """Trains a beta-VAE on `source` at `lmbda` and evaluates it on held-out samples.

  With `trained_by` (a job id), `workdir` holds that job's finished training: its model is
  restored and evaluated, and nothing is trained or written there.

  Returns:
    `(model, training.TrainingResult, evaluate.Evaluation)`.
  """
  config = resolve(config, lmbda, source.dim)
  model = build_model(config, source.event_shape, seed, lmbda)
  trainer = _trainer(model, source, config, lmbda, seed, workdir, log, name,
                     trained_by=trained_by)
  if not trainer.saved_step():  # A checkpoint, if any, restores the trained prior instead.
    init_prior(model, config, source, seed)
  result = trainer.run()
  evaluation = evaluate_lib.evaluate(model, source, lmbda, config.eval_samples,
                                     config.eval_batch, seed=seed + config.eval_seed)
  return model, result, evaluation


def start_from(model: spatial.SpatialVAE, job_dir: str, log=print):
  """Loads into `model` the weights that the job in `job_dir` finished training with.

  Raises:
    ValueError when that folder holds no checkpoint. A model of another architecture fails
    to restore (TensorFlow's shape or unmatched-object errors).
  """
  job_id = os.path.basename(os.path.normpath(job_dir))
  latest = tf.train.latest_checkpoint(os.path.join(job_dir, training.CHECKPOINT_DIR))
  if latest is None:
    raise ValueError(f"upper_bound: job {job_id}, whose trained model this job starts from, "
                     f"holds no checkpoint (see its folder {job_dir})")
  status = tf.train.Checkpoint(model=model).read(latest)
  status.assert_existing_objects_matched().expect_partial()
  log(f"starting from the model job {job_id} trained ({os.path.basename(latest)})")


def train_and_evaluate_spatial(source, config: config_lib.UpperBoundConfig, lmbda: float,
                               seed: int = 0, workdir=None, log=print,
                               name: str = "upper_bound", warm_start_dir: str = None,
                               trained_by: str = None):
  """Trains the spatial model on `config.train_crop` crops of `source` (an image folder) and
  evaluates it on the whole held-out images.

  `lmbda` is the job's multiplier: it weighs the MSE per dimension against nats per *sample*
  of `source` (a `crop x crop` crop), so per pixel the trade-off is lambda / pixels_per_sample,
  whatever the training crop. The loss is taken per pixel, so that gradient clipping and the
  learning rate see the same scale at any crop size. With `config.refine_steps`, each held-out
  image's posterior is refined at that per-pixel trade-off before it is evaluated (`refine`).
  With `warm_start_dir` (the folder of a finished job with the same model), training starts
  from that job's trained weights (`start_from`) unless `workdir` holds a checkpoint of its own.

  Returns:
    `(model, training.TrainingResult, whole_images.WholeImageEvaluation)`.
  """
  if not source.has_whole_images:
    raise ValueError(f"--ub_latent=spatial trains on crops and evaluates on whole held-out "
                     f"images; {source.name} has none (use an image folder, or "
                     f"--ub_latent=vector)")
  if lmbda is None or not 0 <= lmbda < float("inf"):
    raise ValueError(f"lambda must be a finite number >= 0, got {lmbda}")
  crops = source.with_crop(config.train_crop)
  tf.keras.utils.set_random_seed(int(seed))
  model = spatial.SpatialVAE(config.filters, config.latent_channels, config.hyper_channels,
                             source.event_shape[2])
  crop_pixels = config.train_crop**2
  trainer = _trainer(model, crops, config, lmbda * crop_pixels / source.pixels_per_sample, seed,
                     workdir, log, name, loss_scale=1.0 / crop_pixels, trained_by=trained_by)
  if warm_start_dir is not None and not trainer.saved_step():
    start_from(model, warm_start_dir, log)
  result = trainer.run()
  refinement = None
  if config.refine_steps:
    refinement = refine.Refinement(lmbda / source.pixels_per_sample, config.refine_steps,
                                   config.refine_lr)
  evaluation = whole_images.evaluate(model, source.held_out_images(), seed=seed + config.eval_seed,
                                     refinement=refinement, log=log)
  return model, result, evaluation


def _run_spatial(source, job, context) -> List[curves.Record]:
  started = time.time()
  name = f"upper_bound lambda={job.lmbda:g}"
  _, result, ev = train_and_evaluate_spatial(source, job.config, job.lmbda, job.seed,
                                             context.model_dir, context.log, name,
                                             context.warm_start_dir, job.trained_by)
  bits = ev.rate_per_pixel / np.log(2.0)
  context.log(f"{name}: {ev.n_images} whole held-out image(s): {bits:.4g} bpp, "
              f"PSNR {-10 * np.log10(ev.distortion):.2f} dB")
  # Rates are per sample of the source (a crop), like every other record: bpp is unchanged.
  per_sample = source.pixels_per_sample
  return [curves.Record(
      source=source.name, estimator="upper_bound", lmbda=job.lmbda,
      distortion=ev.distortion, distortion_se=ev.distortion_se,
      rate_nats=ev.rate_per_pixel * per_sample,
      rate_nats_se=None if ev.rate_per_pixel_se is None else ev.rate_per_pixel_se * per_sample,
      pixels_per_sample=per_sample, n_eval=ev.n_images, steps=result.steps,
      seconds=time.time() - started, seed=job.seed, run_id=job.job_id)]


def run(source, job, context) -> List[curves.Record]:
  """Trains and evaluates in standardized units (`Rescaled`); the record is in the source's.

  The spatial model (`latent="spatial"`) trains on crops of an image folder and is
  evaluated on its whole held-out images (`train_and_evaluate_spatial`).
  """
  if job.config.latent == "spatial":
    return _run_spatial(source, job, context)
  started = time.time()
  config = job.config
  name = f"upper_bound lambda={job.lmbda:g}"
  units = rescaled.Rescaled.of(source, job.seed)
  _, result, ev = train_and_evaluate(units, config, units.lmbda(job.lmbda), job.seed,
                                     context.model_dir, context.log, name, job.trained_by)
  distortion, distortion_se = (units.distortion(v) for v in (ev.distortion.mean, ev.distortion.se))
  context.log(f"{name}: held-out D={distortion:.5g}±{distortion_se:.2g} "
              f"R={ev.rate.mean:.5g}±{ev.rate.se:.2g} nats (n={ev.n_eval})")
  if ev.hard_rate is not None:
    context.log(f"{name}: with hard rounding (not the bound; the row reports the noisy KL): "
                f"D={units.distortion(ev.hard_distortion.mean):.5g} "
                f"R={ev.hard_rate.mean:.5g}±{ev.hard_rate.se:.2g} nats")
  return [curves.Record(
      source=source.name, estimator="upper_bound", lmbda=job.lmbda,
      distortion=distortion, distortion_se=distortion_se,
      rate_nats=ev.rate.mean, rate_nats_se=ev.rate.se,
      pixels_per_sample=source.pixels_per_sample, n_eval=ev.n_eval, steps=result.steps,
      seconds=time.time() - started, seed=job.seed, run_id=job.job_id)]
