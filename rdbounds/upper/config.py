"""The `upper_bound` estimator's configuration and presets (no TensorFlow here).

Two models, picked by source (`Estimator.preset_for`):
  * `UpperBoundConfig` (this module): one latent vector per sample, for vector sources (an
    MLP beta-VAE, or the Gibbs channel of a Gaussian-mixture prior) and image samples (a conv
    beta-VAE: `channels`, `conv_blocks`, ...); run by `vector_bound`;
  * `spatial_config.SpatialConfig`: a latent map, for photographs (image folders); run by
    `spatial_bound`.
Presets:
  * `quick`: seconds per lambda, for tests and the demo (vectors: the default's Gibbs channel
    with 64 components and 300 steps; images: a small conv beta-VAE);
  * `default`: tight on low-dimensional vector sources within a few CPU minutes per lambda
    (the Gibbs channel of a k-means-initialised Gaussian mixture; images: the beta-VAE);
  * `paper`: the budget of Yang & Mandt's recipes (100 epochs x 1000 steps).
"""

import dataclasses
from typing import Literal, Optional, Tuple

from rdbounds import config
from rdbounds import estimators
from rdbounds.upper import options
from rdbounds.upper import spatial_config

PRIORS = ("standard_gaussian", "gaussian", "gaussian_mixture", "maf", "deep_factorized")
# Priors that factorize over latent coordinates: the only ones a per-coordinate uniform
# noise adapter (and hence the uniform posterior and hard rounding) applies to.
FACTORIZED_PRIORS = ("standard_gaussian", "gaussian", "deep_factorized")
POSTERIORS = ("gaussian", "uniform", "gibbs")
# Priors that are Gaussian mixtures (one component for the Gaussians): the Gibbs posterior
# needs their components for its closed forms.
GAUSSIAN_MIXTURE_PRIORS = ("standard_gaussian", "gaussian", "gaussian_mixture")
PRIOR_INITS = ("random", "kmeans")
# What `rdbounds evaluate` may change to evaluate a trained model again.
EVALUATION_OPTIONS = ("eval_samples", "eval_batch", "eval_seed")


@dataclasses.dataclass(frozen=True)
class UpperBoundConfig(options.TrainingOptions):
  """A beta-VAE with one latent vector per sample: encoder, posterior q(z|x), prior p(z),
  optional decoder; and its training."""
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
  train_pool: int = config.option(
      0, "Upper bound: training draws come from a pool of this many training samples drawn "
      "once (sources slower to sample than a step, the GAN); 0: fresh draws every step.")
  prior_init: Literal[PRIOR_INITS] = config.option(
      "random", "Upper bound: initial gaussian_mixture components: random (seeded N(0, I) "
      "means, unit scales) or kmeans (k-means clusters of the standardized training data; "
      "with a decoder, of the initial encoder's posterior means).")
  kmeans_samples: int = config.option(
      20_000, "Upper bound: training samples the kmeans prior initialisation clusters.")
  flow_layers: int = config.option(3, "Upper bound: MADE blocks of the maf prior.")
  flow_hidden_units: Tuple[int, ...] = config.option(
      (64, 64), "Upper bound: hidden units of each MADE block.")
  eval_samples: int = config.option(
      100_000, "Upper bound: held-out samples for synthetic sources (finite data: the whole "
      "test split).")
  eval_batch: int = config.option(50_000, "Upper bound: evaluation batch size.")

  def validate(self):
    super().validate()
    if self.train_pool < 0:
      raise ValueError(f"train_pool must be >= 0, got {self.train_pool}")
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
    for name in ("eval_samples", "eval_batch", "mixture_components", "flow_layers",
                 "kmeans_samples"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    if self.conv_blocks < 0:
      raise ValueError(f"conv_blocks must be >= 0, got {self.conv_blocks}")


# The beta-VAE of Yang & Mandt: encoder, MAF prior, decoder. The paper preset and the image
# presets are this model.
_VAE = UpperBoundConfig(prior="maf", widths=(100, 100), steps=10_000, batch=512, lr=1e-3,
                        eval_samples=1_000_000, checkpoint_every=5000)
# Vector sources: the Gibbs channel of a k-means-initialised 128-component Gaussian mixture
# (no encoder or decoder). Chosen by measurement: docs/results.md,
# "The upper bound: the Gibbs channel".
_DEFAULT = dataclasses.replace(_VAE, posterior="gibbs", prior="gaussian_mixture", decoder=False,
                               prior_init="kmeans", mixture_components=128)
# The quick preset on vectors: the default's model at a demo budget (k-means is most of the fit).
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


def _plan(estimator, lambdas, seed, config_, source):
  """The spatial model's lambdas may run as a chain (`spatial_config.plan_chain`)."""
  if isinstance(config_, spatial_config.SpatialConfig):
    return spatial_config.plan_chain(estimator, lambdas, seed, config_, source)
  return estimators.one_job_per_lambda(estimator, lambdas, seed, config_, source)


def _not_applicable(source):
  if len(source.event_shape) not in (1, 3):
    return (f"upper_bound supports vectors (n,) and images (H, W, C); {source.name} has "
            f"event shape {tuple(source.event_shape)}")
  return None


ESTIMATORS = (estimators.Estimator(
    name="upper_bound", run="rdbounds.upper.estimator:run", config_class=UpperBoundConfig,
    presets=PRESETS, image_presets=IMAGE_PRESETS,
    photo_config_class=spatial_config.SpatialConfig, photo_presets=spatial_config.PHOTO_PRESETS,
    flag_prefix="ub_", not_applicable=_not_applicable, plan=_plan,
    evaluation_options=tuple(dict.fromkeys(EVALUATION_OPTIONS +
                                           spatial_config.EVALUATION_OPTIONS)),
    description="beta-VAE compressors: achievable (D, R) points on held-out data"),)
