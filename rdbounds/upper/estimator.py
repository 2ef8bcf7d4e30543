"""The `upper_bound` estimator: train a beta-VAE at one lambda, evaluate it on held-out data.

Registered in `rdbounds.estimators` with presets:
  * `quick`: seconds per lambda, for tests and the demo (loose, still a valid bound);
  * `default`: tight on low-dimensional vector sources within a few CPU minutes per lambda;
  * `paper`: the budget of Yang & Mandt's recipes (100 epochs x 1000 steps).

Config keys (all presets have all of them; `experiments/upper_bound_flags.py` maps `--ub_*`
flags onto them):
  posterior: one of `model.POSTERIORS`.
  prior: one of `priors.PRIORS`.
  latent_dim: latent size d, or None for the source's dimension (required without decoder).
  widths: hidden widths of the encoder and decoder MLPs.
  activation: hidden activation of the MLPs.
  decoder: False for `y = z` (then d must equal the source's dimension).
  mixture_components: k of the `gaussian_mixture` prior.
  flow_layers, flow_hidden_units: the `maf` prior's MADE blocks.
  steps, batch, lr, lr_final_fraction, clip_norm: optimization (Adam, cosine decay).
  eval_samples, eval_batch: held-out evaluation size and batch.
  checkpoint_every, log_every, steps_per_call: bookkeeping of the shared Trainer.
  image_<key> (key in `conv.IMAGE_KEYS`: widths, latent_dim, steps, batch, lr, eval_samples,
    eval_batch, prior, posterior): for image sources a non-None value replaces `<key>`
    (`widths` are then channels per conv stage); image_blocks, image_activation: residual
    blocks per stage and activation of the conv beta-VAE (`conv.build_conv_model`).
"""

import time
from typing import List

import tensorflow as tf

from rdbounds import curves
from rdbounds import estimators
from rdbounds import nets
from rdbounds import training
from rdbounds.upper import conv
from rdbounds.upper import evaluate as evaluate_lib
from rdbounds.upper import model as model_lib
from rdbounds.upper import priors as priors_lib
from rdbounds.upper import train as train_lib

_COMMON = {
    "posterior": "gaussian",
    "latent_dim": None,
    "activation": "softplus",
    "decoder": True,
    "mixture_components": 8,
    "flow_layers": 3,
    "flow_hidden_units": [64, 64],
    "lr_final_fraction": 0.01,
    "clip_norm": 10.0,
    "eval_batch": 50_000,
    "log_every": 1000,
    "steps_per_call": 100,
    # Image sources (conv beta-VAE): None keeps the vector value.
    "image_blocks": 1,
    "image_activation": "relu",
    "image_prior": None,
    "image_posterior": None,
    "image_lr": None,
}

PRESETS = {
    "quick": dict(_COMMON, prior="gaussian", widths=[32, 32], steps=2000, batch=256, lr=3e-3,
                  eval_samples=100_000, checkpoint_every=1000, log_every=500,
                  image_widths=[16, 32, 32], image_latent_dim=16, image_steps=300,
                  image_batch=32, image_eval_samples=2048, image_eval_batch=512),
    "default": dict(_COMMON, prior="maf", widths=[100, 100], steps=10_000, batch=512, lr=1e-3,
                    eval_samples=1_000_000, checkpoint_every=5000,
                    image_widths=[32, 64, 64], image_latent_dim=32, image_steps=5000,
                    image_batch=64, image_eval_samples=20_000, image_eval_batch=1000),
    "paper": dict(_COMMON, prior="maf", widths=[200, 200, 200], flow_hidden_units=[200, 200],
                  steps=100_000, batch=512, lr=1e-3, eval_samples=2_000_000,
                  checkpoint_every=10_000,
                  image_widths=[64, 128, 128], image_latent_dim=128, image_steps=50_000,
                  image_batch=64, image_eval_samples=100_000, image_eval_batch=1000),
}


def validate(config: dict, lmbda: float, source_dim: int = None) -> dict:
  """Checks a config and lambda; returns the config with `latent_dim` resolved.

  Raises:
    ValueError naming the bad option and, for names, the valid choices.
  """
  missing = set(PRESETS["default"]) - set(config)
  if missing:
    raise ValueError(f"upper_bound config lacks {sorted(missing)}")
  if lmbda is None or not lmbda >= 0 or lmbda == float("inf"):
    raise ValueError(f"lambda must be a finite number >= 0, got {lmbda}")
  if config["posterior"] not in model_lib.POSTERIORS:
    raise ValueError(f"unknown posterior {config['posterior']!r}; valid: "
                     f"{', '.join(model_lib.POSTERIORS)}")
  if config["prior"] not in priors_lib.PRIORS:
    raise ValueError(f"unknown prior {config['prior']!r}; valid: {', '.join(priors_lib.PRIORS)}")
  if config["posterior"] == "uniform" and config["prior"] not in priors_lib.FACTORIZED_PRIORS:
    raise ValueError(f"the uniform posterior (NTC) needs a factorized prior; got "
                     f"{config['prior']!r}, valid: {', '.join(priors_lib.FACTORIZED_PRIORS)}")
  config = dict(config)
  if config["latent_dim"] is None:
    if source_dim is None:
      raise ValueError("latent_dim is None and no source dimension to default to")
    config["latent_dim"] = int(source_dim)
  if int(config["latent_dim"]) < 1:
    raise ValueError(f"latent_dim must be >= 1, got {config['latent_dim']}")
  if not config["decoder"] and source_dim is not None and int(config["latent_dim"]) != source_dim:
    raise ValueError(f"without a decoder (y = z) latent_dim must equal the source dimension "
                     f"{source_dim}, got {config['latent_dim']}")
  if any(int(w) < 1 for w in config["widths"]):
    raise ValueError(f"widths must be positive, got {list(config['widths'])}")
  for key in ("steps", "batch", "eval_samples", "eval_batch", "checkpoint_every", "log_every",
              "steps_per_call", "mixture_components", "flow_layers"):
    minimum = 0 if key == "steps" else 1
    if int(config[key]) < minimum:
      raise ValueError(f"{key} must be >= {minimum}, got {config[key]}")
  if not config["lr"] > 0:
    raise ValueError(f"lr must be > 0, got {config['lr']}")
  if not 0 <= config["lr_final_fraction"] <= 1:
    raise ValueError(f"lr_final_fraction must lie in [0, 1], got {config['lr_final_fraction']}")
  if config["clip_norm"] is not None and not config["clip_norm"] > 0:
    raise ValueError(f"clip_norm must be > 0 or None, got {config['clip_norm']}")
  return config


def build_model(config: dict, event_shape, seed: int = 0) -> model_lib.BetaVAE:
  """A built beta-VAE for vector samples `[B, n]` from a validated config.

  Images (`event_shape = (H, W, C)`) get the convolutional model of `conv.build_conv_model`
  (pass a config resolved by `conv.image_config`). Initial weights are drawn from Keras'
  global generator, seeded here with `seed`, so a job is reproducible.
  """
  if len(event_shape) == 3:
    return conv.build_conv_model(config, event_shape, seed)
  tf.keras.utils.set_random_seed(int(seed))
  n = int(event_shape[0])
  d = int(config["latent_dim"])
  widths = [int(w) for w in config["widths"]]
  params = 2 * d if config["posterior"] == "gaussian" else d
  encoder = nets.mlp(widths, params, config["activation"], name="encoder")
  decoder = nets.mlp(widths[::-1], n, config["activation"], name="decoder") if config["decoder"] else None
  return model_lib.assemble(config, encoder, decoder, d, event_shape, seed)


def train_and_evaluate(source, config: dict, lmbda: float, seed: int = 0, workdir=None,
                       log=print, name: str = "upper_bound"):
  """Trains a beta-VAE on `source` at `lmbda` and evaluates it on held-out samples.

  Returns:
    `(model, training.TrainingResult, evaluate.Evaluation)`.
  """
  if len(source.event_shape) == 3:
    config = conv.image_config(config)
  config = validate(config, lmbda, source.dim)
  model = build_model(config, source.event_shape, seed)
  optimizer = train_lib.make_optimizer(config["lr"], config["steps"], config["lr_final_fraction"])
  train_lib.build_optimizer_state(optimizer, model)
  one_step = train_lib.make_one_step(model, optimizer, lmbda, seed, config["clip_norm"])
  trainer = training.Trainer(
      one_step, {"model": model, "optimizer": optimizer}, source, batch_size=int(config["batch"]),
      seed=seed, num_steps=int(config["steps"]), workdir=workdir,
      checkpoint_every=int(config["checkpoint_every"]), log_every=int(config["log_every"]),
      steps_per_call=int(config["steps_per_call"]), log=log, name=name)
  result = trainer.run()
  evaluation = evaluate_lib.evaluate(model, source, lmbda, int(config["eval_samples"]),
                                     int(config["eval_batch"]), seed=seed)
  return model, result, evaluation


def _not_applicable(source):
  if len(source.event_shape) not in (1, 3):
    return (f"upper_bound supports vectors (n,) and images (H, W, C); {source.name} has "
            f"event shape {tuple(source.event_shape)}")
  return None


def _run(source, job, context) -> List[curves.Record]:
  started = time.time()
  config = job.config
  name = f"upper_bound lambda={job.lmbda:g}"
  _, result, ev = train_and_evaluate(source, config, job.lmbda, job.seed, context.workdir,
                                     context.log, name)
  context.log(f"{name}: held-out D={ev.distortion.mean:.5g}±{ev.distortion.se:.2g} "
              f"R={ev.rate.mean:.5g}±{ev.rate.se:.2g} nats (n={ev.n_eval})")
  if ev.hard_rate is not None:
    context.log(f"{name}: with hard rounding (not the bound; the row reports the noisy KL): "
                f"D={ev.hard_distortion.mean:.5g}±{ev.hard_distortion.se:.2g} "
                f"R={ev.hard_rate.mean:.5g}±{ev.hard_rate.se:.2g} nats")
  return [curves.Record(
      source=source.name, estimator="upper_bound", lmbda=job.lmbda,
      distortion=ev.distortion.mean, distortion_se=ev.distortion.se,
      rate_nats=ev.rate.mean, rate_nats_se=ev.rate.se,
      pixels_per_sample=source.pixels_per_sample, n_eval=ev.n_eval, steps=result.steps,
      seconds=time.time() - started, seed=job.seed, run_id=job.job_id)]


ESTIMATOR = estimators.register(estimators.Estimator(
    name="upper_bound", run=_run, not_applicable=_not_applicable, presets=PRESETS))
