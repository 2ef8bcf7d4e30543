"""The upper bound of vector sources and image samples: a beta-VAE with one latent vector per
sample, trained at one lambda and evaluated on held-out samples.

Configured by `config.UpperBoundConfig`; `estimator.run` picks this model for every source but
photographs (`spatial_bound`). Training and evaluation run in standardized units
(`rescaled.Rescaled`); the record is in the source's.
"""

import dataclasses
import time
from typing import List

import numpy as np
import tensorflow as tf

from rdbounds import curves
from rdbounds import nets
from rdbounds import streams
from rdbounds.sources import pooled
from rdbounds.sources import rescaled
from rdbounds.upper import config as config_lib
from rdbounds.upper import conv
from rdbounds.upper import evaluate as evaluate_lib
from rdbounds.upper import kmeans as kmeans_lib
from rdbounds.upper import model as model_lib
from rdbounds.upper import train as train_lib


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
  train_source = source if trained_by else pooled.training_source(source, config.train_pool,
                                                                 seed, log)
  trainer = train_lib.make_trainer(model, train_source, config,
                                   train_lib.rate_plus_lambda_distortion(lmbda), seed, workdir,
                                   log, name, trained_by)
  if not trainer.saved_step():  # A checkpoint, if any, restores the trained prior instead.
    init_prior(model, config, train_source, seed)
  result = trainer.run()
  evaluation = evaluate_lib.evaluate(model, source, lmbda, config.eval_samples,
                                     config.eval_batch, seed=seed + config.eval_seed)
  return model, result, evaluation


def run(source, job, context) -> List[curves.Record]:
  """Trains and evaluates in standardized units (`Rescaled`); the record is in the source's."""
  started = time.time()
  name = f"upper_bound lambda={job.lmbda:g}"
  units = rescaled.Rescaled.of(source, job.seed)
  _, result, ev = train_and_evaluate(units, job.config, units.lmbda(job.lmbda), job.seed,
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
