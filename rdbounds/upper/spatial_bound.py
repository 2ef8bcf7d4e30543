"""The upper bound of photographs: the spatial model (a latent map) trained on crops of an
image folder at one lambda, evaluated on its whole held-out images.

Configured by `spatial_config.SpatialConfig`; `estimator.run` picks this model for sources
with whole held-out images. The job's lambda is converted once, into the trade-off per pixel
that training, refinement and evaluation all use (`tradeoff.PerPixelTradeoff`).
"""

import os
import time
from typing import List

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import held_out_points
from rdbounds import training
from rdbounds.upper import pretrained
from rdbounds.upper import pretrained_file
from rdbounds.upper import refine
from rdbounds.upper import spatial
from rdbounds.upper import spatial_config
from rdbounds.upper import tradeoff as tradeoff_lib
from rdbounds.upper import train as train_lib
from rdbounds.upper import whole_images


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


def train_and_evaluate(source, config: spatial_config.SpatialConfig,
                       tradeoff: tradeoff_lib.PerPixelTradeoff, seed: int = 0, workdir=None,
                       log=print, name: str = "upper_bound", warm_start_dir: str = None,
                       trained_by: str = None):
  """Trains the spatial model on `config.train_crop` crops of `source` (an image folder) at
  `tradeoff` and evaluates it on the whole held-out images.

  The loss is taken per pixel (`tradeoff`), whatever the training crop. With
  `config.refine_steps`, each held-out image's posterior is refined at the same trade-off
  before it is evaluated (`refine`). With `warm_start_dir` (the folder of a finished job with
  the same model), training starts from that job's trained weights (`start_from`) unless
  `workdir` holds a checkpoint of its own. With `trained_by`, `workdir` is that finished job's
  folder: its model is evaluated, nothing is trained.

  Returns:
    `(model, training.TrainingResult, whole_images.WholeImageEvaluation)`.
  """
  if not source.has_whole_images:
    raise ValueError(f"the spatial upper bound trains on crops and evaluates on whole held-out "
                     f"images; {source.name} has none (image folders have)")
  refinement = None
  if config.refine_steps:
    refinement = refine.Refinement(tradeoff, config.refine_steps, config.refine_lr)
  if config.pretrained:
    return evaluate_pretrained(source, config, tradeoff, seed, refinement, log)
  crops = source.with_crop(config.train_crop)
  tf.keras.utils.set_random_seed(int(seed))
  model = spatial.SpatialVAE(config.filters, config.latent_channels, config.hyper_channels,
                             source.event_shape[2])
  crop_pixels = config.train_crop**2
  objective = lambda rate, distortion: tradeoff.loss(rate, distortion, crop_pixels)
  trainer = train_lib.make_trainer(model, crops, config, objective, seed, workdir, log, name,
                                   trained_by)
  if warm_start_dir is not None and not trainer.saved_step():
    start_from(model, warm_start_dir, log)
  result = trainer.run()
  evaluation = whole_images.evaluate(model, source.held_out_images(), seed=seed + config.eval_seed,
                                     refinement=refinement, log=log)
  return model, result, evaluation


def evaluate_pretrained(source, config: spatial_config.SpatialConfig,
                        tradeoff: tradeoff_lib.PerPixelTradeoff, seed: int, refinement, log):
  """The pretrained model (`config.pretrained`) at `tradeoff`, evaluated on the whole held-out
  images as a trained one is; nothing is trained. Returns `train_and_evaluate`'s triple.

  Raises:
    ValueError when the file's content is not the one the job was planned with.
  """
  path = pretrained_file.resolve(config.pretrained)
  if config.pretrained_sha256 and pretrained_file.sha256(path) != config.pretrained_sha256:
    raise ValueError(f"upper_bound: {path} changed since the job was planned; plan it again")
  model, _ = pretrained.load(path)
  grey_model, _ = pretrained.load(path, part="grey")
  log(f"evaluating the pretrained photo model {path} at lambda per pixel "
      f"{tradeoff.lmbda_per_pixel:g}" + (" (and its model of grey photographs)"
                                         if grey_model is not None else ""))
  at_level = model.at(tradeoff.lmbda_per_pixel)
  evaluation = whole_images.evaluate(
      at_level, source.held_out_images(), seed=seed + config.eval_seed,
      refinement=refinement, log=log,
      grey_model=None if grey_model is None else grey_model.at(tradeoff.lmbda_per_pixel))
  return at_level, training.TrainingResult(0, 0.0, {}, 0), evaluation


def per_image_points(evaluation, files, channels: int) -> List[dict]:
  """`[{file, pixels, bpp, psnr_db}]`: each held-out image's point, whole
  (`held_out_points.point`)."""
  return [held_out_points.point(name, pixels, rate / np.log(2.0), error, channels)
          for name, (rate, error, pixels) in zip(files, evaluation.per_image)]


def run(source, job, context) -> List[curves.Record]:
  """Trains and evaluates at the job's lambda; the record's rates are per sample of the
  source (a crop), like every other record: its bits per pixel are unchanged."""
  started = time.time()
  name = f"upper_bound lambda={job.lmbda:g}"
  per_sample = source.pixels_per_sample
  tradeoff = tradeoff_lib.PerPixelTradeoff.of_job(job.lmbda, per_sample)
  _, result, ev = train_and_evaluate(source, job.config, tradeoff, job.seed, context.model_dir,
                                     context.log, name, context.warm_start_dir, job.trained_by)
  bits = ev.rate_per_pixel / np.log(2.0)
  context.log(f"{name}: {ev.n_images} whole held-out image(s): {bits:.4g} bpp, "
              f"PSNR {-10 * np.log10(ev.distortion):.2f} dB")
  per_image = per_image_points(ev, source.held_out_files(), source.event_shape[2])
  for point in per_image:
    context.log(f"{name}: {point['file']}: {point['bpp']:.4g} bpp, "
                f"PSNR {point['psnr_db']:.2f} dB")
  if context.workdir:
    # The job's own folder: a job that evaluates another's model (`trained_by`) must not
    # overwrite the points that job measured.
    held_out_points.write(context.workdir, per_image)
  return [curves.Record(
      source=source.name, estimator="upper_bound", lmbda=job.lmbda,
      distortion=ev.distortion, distortion_se=ev.distortion_se,
      rate_nats=ev.rate_per_pixel * per_sample,
      rate_nats_se=None if ev.rate_per_pixel_se is None else ev.rate_per_pixel_se * per_sample,
      pixels_per_sample=per_sample, n_eval=ev.n_images, steps=result.steps,
      seconds=time.time() - started, seed=job.seed, run_id=job.job_id)]
