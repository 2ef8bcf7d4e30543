"""The `upper_bound` estimator's configuration and presets (no TensorFlow here).

Presets:
  * `quick`: seconds per lambda, for tests and the demo (vectors: the default's Gibbs channel
    with 64 components and 300 steps; images: a small conv beta-VAE);
  * `default`: tight on low-dimensional vector sources within a few CPU minutes per lambda
    (the Gibbs channel of a k-means-initialised Gaussian mixture; images: the beta-VAE);
  * `paper`: the budget of Yang & Mandt's recipes (100 epochs x 1000 steps).
Image sources have their own instances (a conv beta-VAE: `channels`, `conv_blocks`, ...), and
photographs (image folders) theirs: the spatial model (`latent="spatial"`, `filters`, ...).
"""

import dataclasses
from typing import List, Literal, Optional, Tuple

from rdbounds import config
from rdbounds import estimators

PRIORS = ("standard_gaussian", "gaussian", "gaussian_mixture", "maf", "deep_factorized")
# Priors that factorize over latent coordinates: the only ones a per-coordinate uniform
# noise adapter (and hence the uniform posterior and hard rounding) applies to.
FACTORIZED_PRIORS = ("standard_gaussian", "gaussian", "deep_factorized")
POSTERIORS = ("gaussian", "uniform", "gibbs")
# One latent vector per sample, or a latent map (fully convolutional, for photographs).
LATENTS = ("vector", "spatial")
# Priors that are Gaussian mixtures (one component for the Gaussians): the Gibbs posterior
# needs their components for its closed forms.
GAUSSIAN_MIXTURE_PRIORS = ("standard_gaussian", "gaussian", "gaussian_mixture")
PRIOR_INITS = ("random", "kmeans")
# What evaluate.py may change to evaluate a trained model again.
EVALUATION_OPTIONS = ("eval_samples", "eval_batch", "eval_seed", "refine_steps", "refine_lr")


@dataclasses.dataclass(frozen=True)
class UpperBoundConfig(config.Config):
  """A beta-VAE: encoder, posterior q(z|x), prior p(z), optional decoder; and its training."""
  latent: Literal[LATENTS] = config.option(
      "vector", "Upper bound: one latent vector per sample (vector), or a latent map "
      "(spatial: fully convolutional, trained on --ub_train_crop crops and "
      "evaluated on whole held-out images; image folders). The spatial model has its own "
      "Gaussian posterior and prior: --ub_posterior, --ub_prior and the vector model's "
      "sizes do not apply to it.")
  filters: int = config.option(64, "Upper bound: hidden channels of the spatial model.")
  latent_channels: int = config.option(
      96, "Upper bound: channels of the spatial model's latent map (1/16 of the resolution).")
  hyper_channels: int = config.option(
      0, "Upper bound: channels of the spatial model's hyper-latent map (1/64 of the "
      "resolution); 0: no hyperprior, a learned factorized prior per latent channel.")
  train_crop: int = config.option(
      128, "Upper bound: side in pixels of the spatial model's training crops (a multiple "
      "of 64).")
  posterior: Literal[POSTERIORS] = config.option(
      "gaussian", "Upper bound: posterior q(z|x): gaussian (an encoder's diagonal Gaussian), "
      "uniform (nonlinear transform coding) or gibbs (no encoder: the optimal channel for the "
      "prior, q(z|x) ~ p(z) exp(-lambda rho(x, z)), closed form for a Gaussian-mixture prior "
      "without a decoder).")
  prior: Literal[PRIORS] = config.option("gaussian", "Upper bound: prior p(z).")
  latent_dim: Optional[int] = config.option(
      None, "Upper bound: latent size d (none: the source's dimension).")
  decoder: bool = config.option(True, "Upper bound: use a decoder (--noub_decoder: y = z).")
  widths: Tuple[int, ...] = config.option(
      (32, 32), "Upper bound: hidden widths of the encoder and decoder MLPs (vector sources).")
  activation: str = config.option("softplus", "Upper bound: hidden activation of the MLPs.")
  channels: Tuple[int, ...] = config.option(
      (32, 64, 64), "Upper bound: channels of the conv stages, one stride-2 stage each "
      "(image sources).")
  conv_blocks: int = config.option(1, "Upper bound: residual blocks per conv stage (images).")
  conv_activation: str = config.option("relu", "Upper bound: activation of the conv nets.")
  mixture_components: int = config.option(8, "Upper bound: components of gaussian_mixture.")
  prior_init: Literal[PRIOR_INITS] = config.option(
      "random", "Upper bound: initial gaussian_mixture components: random (seeded N(0, I) "
      "means, unit scales) or kmeans (k-means clusters of the standardized training data; "
      "with a decoder, of the initial encoder's posterior means).")
  kmeans_samples: int = config.option(
      20_000, "Upper bound: training samples the kmeans prior initialisation clusters.")
  flow_layers: int = config.option(3, "Upper bound: MADE blocks of the maf prior.")
  flow_hidden_units: Tuple[int, ...] = config.option(
      (64, 64), "Upper bound: hidden units of each MADE block.")
  steps: int = config.option(2000, "Upper bound: training steps per lambda.")
  batch: int = config.option(256, "Upper bound: training batch size.")
  lr: float = config.option(3e-3, "Upper bound: initial Adam learning rate.")
  lr_final_fraction: float = config.option(
      0.01, "Upper bound: final learning rate as a fraction of --ub_lr (cosine decay).")
  clip_norm: Optional[float] = config.option(
      10.0, "Upper bound: global gradient-norm clipping (none: off).")
  eval_samples: int = config.option(
      100_000, "Upper bound: held-out samples for synthetic sources (finite data: the whole "
      "test split).")
  eval_batch: int = config.option(50_000, "Upper bound: evaluation batch size.")
  eval_seed: int = config.option(
      0, "Upper bound: seed of the held-out draws and posterior samples of the evaluation, "
      "added to the job's seed.")
  refine_steps: int = config.option(
      0, "Upper bound (spatial model): Adam steps refining each held-out image's posterior "
      "before it is evaluated (semi-amortized inference; the point stays an upper bound); "
      "0: the encoder's posterior.")
  refine_lr: float = config.option(
      1e-2, "Upper bound (spatial model): initial learning rate of --ub_refine_steps.")
  warm_start_steps: Optional[int] = config.option(
      None, "Upper bound (spatial model): train the sweep's highest lambda from random "
      "weights for --ub_steps, each lower lambda from the model trained at the lambda "
      "above it, and then the highest again from the model of the one below it, each for "
      "this many steps (a chain: the lambdas run one after another); none: every lambda "
      "from random weights.")
  checkpoint_every: int = config.option(1000, "Upper bound: steps between checkpoints.")
  log_every: int = config.option(1000, "Upper bound: steps between progress lines.")
  steps_per_call: int = config.option(100, "Upper bound: training steps per compiled call.")

  def validate(self):
    if self.latent == "spatial" and (self.train_crop < 64 or self.train_crop % 64):
      raise ValueError(f"train_crop must be a positive multiple of 64 (the spatial model's "
                       f"stride), got {self.train_crop}")
    if self.posterior == "uniform" and self.prior not in FACTORIZED_PRIORS:
      raise ValueError(f"the uniform posterior (NTC) needs a factorized prior; got "
                       f"{self.prior!r}, valid: {', '.join(FACTORIZED_PRIORS)}")
    if self.posterior == "gibbs" and (self.decoder or
                                      self.prior not in GAUSSIAN_MIXTURE_PRIORS):
      raise ValueError(f"the gibbs posterior needs --noub_decoder (y = z) and a Gaussian-mixture "
                       f"prior ({', '.join(GAUSSIAN_MIXTURE_PRIORS)}); got decoder="
                       f"{self.decoder}, prior {self.prior!r}")
    if self.latent_dim is not None and self.latent_dim < 1:
      raise ValueError(f"latent_dim must be >= 1, got {self.latent_dim}")
    for name in ("widths", "channels", "flow_hidden_units"):
      if not getattr(self, name) or min(getattr(self, name)) < 1:
        raise ValueError(f"{name} must be positive sizes, got {list(getattr(self, name))}")
    if self.prior_init == "kmeans" and self.prior != "gaussian_mixture":
      raise ValueError(f"prior_init=kmeans initialises the gaussian_mixture prior; got prior "
                       f"{self.prior!r}")
    if self.prior_init == "kmeans" and self.kmeans_samples < self.mixture_components:
      raise ValueError(f"kmeans_samples ({self.kmeans_samples}) must be at least "
                       f"mixture_components ({self.mixture_components})")
    for name in ("batch", "eval_samples", "eval_batch", "checkpoint_every", "log_every",
                 "steps_per_call", "mixture_components", "flow_layers", "kmeans_samples",
                 "filters", "latent_channels"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    if self.hyper_channels < 0:
      raise ValueError(f"hyper_channels must be >= 0 (0: a factorized prior), got "
                       f"{self.hyper_channels}")
    if self.steps < 0 or self.conv_blocks < 0:
      raise ValueError(f"steps and conv_blocks must be >= 0, got {self.steps}, {self.conv_blocks}")
    if not self.lr > 0:
      raise ValueError(f"lr must be > 0, got {self.lr}")
    if self.refine_steps < 0 or not self.refine_lr > 0:
      raise ValueError(f"refine_steps must be >= 0 and refine_lr > 0, got "
                       f"{self.refine_steps}, {self.refine_lr}")
    if self.warm_start_steps is not None and (self.warm_start_steps < 1 or
                                              self.latent != "spatial"):
      raise ValueError(f"warm_start_steps chains the spatial model's lambdas and must be >= 1; "
                       f"got {self.warm_start_steps} with the {self.latent} model (set "
                       f"--ub_warm_start_steps=none)")
    if self.refine_steps and self.latent != "spatial":
      raise ValueError(f"refine_steps refines the spatial model's posteriors; the {self.latent} "
                       f"model has none to refine (set --ub_refine_steps=0)")
    if not 0 <= self.lr_final_fraction <= 1:
      raise ValueError(f"lr_final_fraction must lie in [0, 1], got {self.lr_final_fraction}")
    if self.clip_norm is not None and not self.clip_norm > 0:
      raise ValueError(f"clip_norm must be > 0 or none, got {self.clip_norm}")


# The beta-VAE of Yang & Mandt: encoder, MAF prior, decoder. The paper preset and the image
# presets are this model.
_VAE = UpperBoundConfig(prior="maf", widths=(100, 100), steps=10_000, batch=512, lr=1e-3,
                        eval_samples=1_000_000, checkpoint_every=5000)
# Vector sources: no encoder or decoder, the Gibbs channel of a 128-component Gaussian mixture
# started on k-means clusters of the data. On sources with exact R(D) (Gaussian, the
# deconvolution family) it is within 0.1-2 % of R(D) where the VAE above was 7-30 % away
# (README: the upper bound's default).
_DEFAULT = dataclasses.replace(_VAE, posterior="gibbs", prior="gaussian_mixture", decoder=False,
                               prior_init="kmeans", mixture_components=128)
# The quick preset on vectors is the default's model at a demo budget: 64 components on
# k-means clusters of 5000 samples are most of the fit (on banana, within 0.5 % of
# Blahut-Arimoto's intercept at lambda = 1, 3, 10), so 300 steps of training suffice.
_QUICK_VAE = UpperBoundConfig(log_every=500)
PRESETS = {
    "quick": dataclasses.replace(_DEFAULT, mixture_components=64, kmeans_samples=5000,
                                 steps=300, batch=256, lr=3e-3, eval_samples=100_000,
                                 checkpoint_every=1000, log_every=100),
    "default": _DEFAULT,
    "paper": dataclasses.replace(_VAE, widths=(200, 200, 200),
                                 flow_hidden_units=(200, 200), steps=100_000,
                                 eval_samples=2_000_000, checkpoint_every=10_000),
}
IMAGE_PRESETS = {
    "quick": dataclasses.replace(_QUICK_VAE, channels=(16, 32, 32), latent_dim=16,
                                 steps=300, batch=32, eval_samples=2048, eval_batch=512),
    "default": dataclasses.replace(_VAE, channels=(32, 64, 64), latent_dim=32, steps=5000,
                                   batch=64, eval_samples=20_000, eval_batch=1000),
    "paper": dataclasses.replace(PRESETS["paper"], channels=(64, 128, 128), latent_dim=128,
                                 steps=50_000, batch=64, eval_samples=100_000, eval_batch=1000),
}

# Photographs (image folders): the spatial model, trained on random crops and evaluated on
# whole held-out images. Its budget was measured on skimage's coffee photo held out, at
# lambda = 1800 per pixel on 2 cores: 64 px crops run 4x the steps per second of 128 px ones
# (28 vs 7), and 12k steps on 64 px (460 s) matched 6k on 128 px (900 s) at a lower rate
# (0.735 vs 0.806 bpp, both 28.5 dB). 20k steps took 13-14 minutes per lambda on one 2-core
# machine (26 steps/s) and 47 on another (a 2 GHz AMD EPYC, 7 steps/s). 192 latent channels
# (Ballé et al.'s high-rate size; 96 before) cost no time at the 1/16 resolution; at lambda
# 5400 per pixel they lowered coffee's rate + lambda D from 6.76 to 6.46 nats per pixel
# (1.08 bpp at 29.5 dB to 1.32 bpp at 29.9 dB), and 300 refinement steps (~90 s for that
# 600x400 photo) to 5.64 (1.43 bpp, 30.65 dB); at lambda 60, refined, 0.10 bpp at 25.56 dB.
# Lower lambdas train 8k steps from the model above, and the top one 8k more from the model
# below it (`plan`): at lambda 1800, from 20k steps at 5400, that gave 0.89 bpp at 30.79 dB
# refined, where 20k steps from random weights had given (96 channels, not refined) 0.71 bpp
# at 29.03 dB, below JPEG. The top lambda's 45k steps from random weights (20k gave 1.43 bpp
# at 30.65 dB, 45k 1.37 bpp at 32.18) took 24 minutes on a 2-core machine at 30-33 steps/s,
# and each 8k-step job 4-5 minutes; on another at 19-20 steps/s about 40 and 8-9 (the same
# points to 3-4 digits); at the 2 GHz EPYC's 7-8 steps/s about 100 and 18.
_PHOTOS = dataclasses.replace(
    _VAE, latent="spatial", filters=64, latent_channels=192, train_crop=64,
    steps=45_000, batch=8, lr=1e-3, lr_final_fraction=0.05, checkpoint_every=2000,
    log_every=2000, steps_per_call=50, refine_steps=300, warm_start_steps=8000)
PHOTO_PRESETS = {
    "quick": dataclasses.replace(_PHOTOS, filters=16, latent_channels=16, train_crop=64,
                                 steps=100, batch=4, log_every=50, refine_steps=20,
                                 warm_start_steps=50),
    "default": _PHOTOS,
    # For a GPU: Ballé et al.'s sizes and budget.
    "paper": dataclasses.replace(_PHOTOS, filters=128, latent_channels=192, train_crop=256,
                                 steps=200_000, warm_start_steps=50_000, lr=1e-4,
                                 checkpoint_every=5000, log_every=5000),
}


def plan(estimator, lambdas, seed, config_: UpperBoundConfig, source) -> List[estimators.Job]:
  """One job per lambda; with `warm_start_steps`, a chain: the highest lambda from random
  weights, each lower one from its predecessor's trained model (`warm_from`), then the
  highest lambda again, from the model trained at the lambda below it.

  Down first because lowering the rate only has to close latent channels, while raising it
  must reopen the ones a lower rate shut. One step back up is what the top point needs.
  Measured on the photos (coffee.png held out, lambda per pixel, refined):
    * all the way up is worse: lambda 60 from random weights (10k steps), then 8k steps per
      x3 up to 5400, reached 0.65 bpp at 29.36 dB at 1800 and 1.08 bpp at 30.16 dB at 5400;
      downwards from 45k steps at 5400, lambda 1800 reached 0.88 bpp at 31.68 dB;
    * the top point from random weights lags: 45k steps at 5400 gave 1.37 bpp at 32.18 dB,
      below JPEG (32.49 dB at that rate); 8k more at 5400 gave 1.36 bpp at 32.48 dB; 8k at
      5400 from the lambda-1800 model gave 1.33 bpp at 32.64 dB, above JPEG (32.37).
  The chain's first point is kept (it is a valid point too); the envelope drops it where the
  revisit dominates it.
  """
  if config_.warm_start_steps is None:
    return estimators.one_job_per_lambda(estimator, lambdas, seed, config_, source)
  # The first job is the one a sweep without the chain runs (and shares its id); each other
  # is what it does: `warm_start_steps` steps from `warm_from`'s model.
  first = dataclasses.replace(config_, warm_start_steps=None)

  def job(lmbda, predecessor=None):
    if predecessor is None:
      return estimators.Job(estimator.name, lmbda, seed, first, source)
    return estimators.Job(estimator.name, lmbda, seed,
                          dataclasses.replace(first, steps=config_.warm_start_steps), source,
                          warm_from=predecessor.job_id)

  jobs = []
  for lmbda in sorted(set(float(l) for l in lambdas), reverse=True):
    jobs.append(job(lmbda, jobs[-1] if jobs else None))
  if len(jobs) > 1:
    jobs.append(job(jobs[0].lmbda, jobs[1]))
  return jobs


def _not_applicable(source):
  if len(source.event_shape) not in (1, 3):
    return (f"upper_bound supports vectors (n,) and images (H, W, C); {source.name} has "
            f"event shape {tuple(source.event_shape)}")
  return None


ESTIMATORS = (estimators.Estimator(
    name="upper_bound", run="rdbounds.upper.estimator:run", config_class=UpperBoundConfig,
    presets=PRESETS, image_presets=IMAGE_PRESETS, photo_presets=PHOTO_PRESETS, flag_prefix="ub_",
    not_applicable=_not_applicable, plan=plan, evaluation_options=EVALUATION_OPTIONS,
    description="beta-VAE compressors: achievable (D, R) points on held-out data"),)
