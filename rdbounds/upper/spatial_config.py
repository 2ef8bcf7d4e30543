"""The spatial upper bound's configuration, presets and warm-start chain (no TensorFlow here).

Photographs (image folders, `Source.has_whole_images`) get this model: a fully convolutional
beta-VAE with a latent *map* (`spatial.SpatialVAE`), trained on random `train_crop` crops and
evaluated on the whole held-out images (`spatial_bound`). Registered with the vector model
under the one name `upper_bound` (`config.ESTIMATORS`), which picks it by source.
"""

import dataclasses
from typing import List, Optional

from rdbounds import config
from rdbounds import estimators
from rdbounds.upper import options
from rdbounds.upper import pretrained_file


@dataclasses.dataclass(frozen=True)
class SpatialConfig(options.TrainingOptions):
  """The spatial model's sizes, its training crops, the refinement and the chain over lambda."""
  filters: int = config.option(64, "Upper bound (photos): hidden channels of the spatial model.")
  latent_channels: int = config.option(
      96, "Upper bound (photos): channels of the latent map (1/16 of the resolution).")
  hyper_channels: int = config.option(
      0, "Upper bound (photos): channels of the hyper-latent map (1/64 of the resolution); "
      "0: no hyperprior, a learned factorized prior per latent channel.")
  train_crop: int = config.option(
      128, "Upper bound (photos): side in pixels of the training crops (a multiple of 64).")
  refine_steps: int = config.option(
      0, "Upper bound (photos): Adam steps refining each held-out image's posterior before it "
      "is evaluated (semi-amortized inference; the point stays an upper bound); 0: the "
      "encoder's posterior.")
  refine_lr: float = config.option(
      1e-2, "Upper bound (photos): initial learning rate of --ub_refine_steps.")
  pretrained: str = config.option(
      "", "Upper bound (photos): evaluate a pretrained model instead of training one on the "
      "folder: 'shipped' (data/photo_upper_bound.npz, trained on other photographs: "
      "docs/photo_model.md) or the path of a file experiments/train_photo_ub.py wrote; '' "
      "(empty): train on the folder's photographs. Each held-out image's posterior is still "
      "refined (--ub_refine_steps); the training options are unused.")
  pretrained_sha256: str = config.option(
      "", "The pretrained file's content hash, set when the jobs are planned (a job is "
      "identified by the model it evaluates, not by its path).", flag=False)
  warm_start_steps: Optional[int] = config.option(
      None, "Upper bound (photos): train the sweep's highest lambda from random weights for "
      "--ub_steps, each lower lambda from the model trained at the lambda above it, and then "
      "the highest again from the model of the one below it, each for this many steps (a "
      "chain: the lambdas run one after another); none: every lambda from random weights.")

  def validate(self):
    super().validate()
    if self.train_crop < 64 or self.train_crop % 64:
      raise ValueError(f"train_crop must be a positive multiple of 64 (the spatial model's "
                       f"stride), got {self.train_crop}")
    for name in ("filters", "latent_channels"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    if self.hyper_channels < 0:
      raise ValueError(f"hyper_channels must be >= 0 (0: a factorized prior), got "
                       f"{self.hyper_channels}")
    if self.refine_steps < 0 or not self.refine_lr > 0:
      raise ValueError(f"refine_steps must be >= 0 and refine_lr > 0, got "
                       f"{self.refine_steps}, {self.refine_lr}")
    if self.warm_start_steps is not None and self.warm_start_steps < 1:
      raise ValueError(f"warm_start_steps must be >= 1 (none: no chain), got "
                       f"{self.warm_start_steps}")


# What `rdbounds evaluate` may change to evaluate a trained model again.
EVALUATION_OPTIONS = ("eval_seed", "refine_steps", "refine_lr")

# The folder-trained model, chosen by measurement on the validation photograph
# (docs/results.md, "Natural images"): `--ub_pretrained=` with the default preset.
_PHOTOS = SpatialConfig(
    filters=64, latent_channels=192, train_crop=64, steps=45_000, batch=8, lr=1e-3,
    lr_final_fraction=0.05, checkpoint_every=2000, log_every=2000, steps_per_call=50,
    refine_steps=300, warm_start_steps=8000)
PHOTO_PRESETS = {
    "quick": dataclasses.replace(_PHOTOS, filters=16, latent_channels=16, steps=100, batch=4,
                                 log_every=50, refine_steps=20, warm_start_steps=50),
    # The pretrained model in data/ (docs/photo_model.md): about 2 minutes per lambda on six
    # photographs against the folder model's 47-100 minutes of training, a few points of
    # BD-rate looser on the test photographs (docs/results.md, "Natural images").
    "default": dataclasses.replace(_PHOTOS, pretrained=pretrained_file.SHIPPED_NAME),
    # For a GPU: Ballé et al.'s sizes and budget.
    "paper": dataclasses.replace(_PHOTOS, filters=128, latent_channels=192, train_crop=256,
                                 steps=200_000, warm_start_steps=50_000, lr=1e-4,
                                 checkpoint_every=5000, log_every=5000),
}


def plan_chain(estimator, lambdas, seed, config_: SpatialConfig, source
               ) -> List[estimators.Job]:
  """With `pretrained`, one evaluation per lambda (`with_pretrained_file`). With
  `warm_start_steps`, a chain: the highest lambda from random weights, each lower one
  from its predecessor's trained model (`Job.warm_from`), then the highest lambda again,
  from the model trained at the lambda below it. Without, one job per lambda.

  Down first because lowering the rate only has to close latent channels, while raising it
  must reopen the ones a lower rate shut; one step back up is what the top point needs
  (measured: docs/results.md, "Natural images"). The chain's first point is kept (it is a
  valid point too); the envelope drops it where the revisit dominates it.
  """
  if config_.pretrained:
    return estimators.one_job_per_lambda(estimator, lambdas, seed,
                                         with_pretrained_file(config_, lambdas, source), source)
  if config_.warm_start_steps is None:
    return estimators.one_job_per_lambda(estimator, lambdas, seed, config_, source)
  # The first job is the one a sweep without the chain runs (and shares its id); each other
  # is what it does: `warm_start_steps` steps from `warm_from`'s model.
  first = dataclasses.replace(config_, warm_start_steps=None)
  warm = dataclasses.replace(first, steps=config_.warm_start_steps)
  jobs = []
  for lmbda in sorted(set(float(l) for l in lambdas), reverse=True):
    jobs.append(estimators.Job(estimator.name, lmbda, seed, warm, source,
                               warm_from=jobs[-1].job_id) if jobs else
                estimators.Job(estimator.name, lmbda, seed, first, source))
  if len(jobs) > 1:
    jobs.append(estimators.Job(estimator.name, jobs[0].lmbda, seed, warm, source,
                               warm_from=jobs[1].job_id))
  return jobs


def with_pretrained_file(config_: SpatialConfig, lambdas, source) -> SpatialConfig:
  """`config_` with the pretrained file's hash, once the file's grid is checked to cover
  every lambda (per pixel of `source`'s samples: its description's crop).

  Raises:
    DataError (a missing or unreadable file) and ValueError (a lambda off the grid), one line.
  """
  path = pretrained_file.resolve(config_.pretrained)
  sizes, _ = pretrained_file.header(path)
  grid = sizes["lambdas_per_pixel"]
  crop = (source.description or {}).get("crop")
  if crop:
    per_sample = crop * crop
    # A hair of slack, as `VariableRateVAE.position` has, for the grid's own values.
    outside = [l for l in lambdas
               if not grid[0] * (1 - 1e-9) <= l / per_sample <= grid[-1] * (1 + 1e-9)]
    if outside:
      raise ValueError(
          f"upper_bound: the pretrained photo model covers lambda {grid[0] * per_sample:g} to "
          f"{grid[-1] * per_sample:g} (per {crop}x{crop} sample; {grid[0]:g} to {grid[-1]:g} "
          f"per pixel); got {', '.join(f'{l:g}' for l in outside)}")
  return dataclasses.replace(config_, warm_start_steps=None,
                             pretrained_sha256=pretrained_file.sha256(path))
