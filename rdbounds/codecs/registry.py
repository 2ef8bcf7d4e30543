"""Codec families, which sources they apply to, how they are swept, and running them.

A family turns a source (and the run's lambdas) into a sequence of codecs, one per operating
point: learned codecs are trained at each lambda, classical codecs are swept over a quality
setting. `run_codecs` measures every point on held-out data and returns `codec:<name>`
records.
"""

import dataclasses
import os
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import numpy as np

from rdbounds import curves
from rdbounds.codecs import base
from rdbounds.codecs import hyperprior
from rdbounds.codecs import ntc
from rdbounds.codecs import ntc_image
from rdbounds.codecs import pillow
from rdbounds.codecs import scalar
from rdbounds.sources import base as sources_base


@dataclasses.dataclass(frozen=True)
class CodecOptions:
  """How much work a codec run does.

  Attributes:
    n_eval: held-out samples coded per vector operating point.
    block_size: vectors per bitstream.
    n_eval_images: held-out images coded per image operating point.
    image_block: images drawn (and coded) per call.
    train_samples: training samples for fitted classical codecs (scalar tables).
    scalar_steps: number of step sizes of the scalar quantizer sweep.
    ntc_config: vector NTC hyper-parameters.
    hyperprior_config: image hyperprior hyper-parameters.
  """
  n_eval: int = 20_000
  block_size: int = 1000
  n_eval_images: int = 256
  image_block: int = 32
  train_samples: int = 200_000
  scalar_steps: int = 9
  ntc_config: ntc.NTCConfig = ntc.NTCConfig()
  hyperprior_config: hyperprior.HyperpriorConfig = hyperprior.HyperpriorConfig()


PRESETS = {
    "quick": CodecOptions(n_eval=5000, n_eval_images=64, image_block=16, train_samples=50_000,
                          scalar_steps=7, ntc_config=ntc.NTCConfig(steps=1500, batch_size=256),
                          hyperprior_config=hyperprior.HyperpriorConfig(steps=1000)),
    "default": CodecOptions(),
    "paper": CodecOptions(n_eval=100_000, n_eval_images=1024, train_samples=1_000_000,
                          scalar_steps=11, ntc_config=ntc.NTCConfig(widths=(100, 100), steps=20_000),
                          hyperprior_config=hyperprior.HyperpriorConfig(
                              filters=64, latent_channels=96, hyper_channels=64, steps=20_000)),
}


def options_for_preset(preset: Optional[str]) -> CodecOptions:
  return PRESETS.get(preset or "default", PRESETS["default"])


@dataclasses.dataclass(frozen=True)
class Family:
  """A codec family.

  Attributes:
    name: CSV name is `codec:<name>`.
    not_applicable: `source -> reason` (one line) when the family cannot code the source, else None.
    points: `(source, lambdas, options, seed, workdir, log) -> iterator of codecs`.
    description: one line for help texts.
  """
  name: str
  not_applicable: Callable[[sources_base.Source], Optional[str]]
  points: Callable[..., Iterator[base.Codec]]
  description: str


def _vectors_only(name):
  def check(source):
    return None if not source.is_image else f"{name} codes vectors; {source.name} is an image source"
  return check


def _images_only(name, kind=None):
  def check(source):
    if not source.is_image:
      return f"{name} codes images; {source.name} is a vector source"
    if source.event_shape[2] not in (1, 3):
      return f"{name} codes 1- or 3-channel images; {source.name} has {source.event_shape[2]}"
    if kind and not pillow.available(kind):
      return f"this Pillow build cannot write {kind}"
    return None
  return check


def _scalar_points(source, lambdas, options, seed, workdir, log):
  del lambdas, workdir
  train = np.asarray(source.sample(options.train_samples, seed=(seed, 1), split="train"))
  for step in scalar.step_sweep(train, options.scalar_steps):
    log(f"codec:scalar step={step:.4g}")
    yield scalar.ScalarQuantizer(train, step)


def _conv_images_only(name, multiple):
  """Images whose H and W are multiples of `multiple` (the transforms' total stride)."""
  def check(source):
    reason = _images_only(name)(source)
    if reason:
      return reason
    if source.event_shape[0] % multiple or source.event_shape[1] % multiple:
      return f"{name} needs H and W divisible by {multiple}; {source.name} is {source.event_shape[:2]}"
    return None
  return check


def _ntc_not_applicable(source):
  # Vectors take the MLP transforms; images the conv ones (total stride 4).
  return None if not source.is_image else _conv_images_only("ntc", 4)(source)


def _ntc_points(source, lambdas, options, seed, workdir, log):
  # Vectors: MLP transforms; images: the conv transforms of the hyperprior's config.
  for lmbda in lambdas:
    job_dir = os.path.join(workdir, f"ntc-lambda={lmbda:g}-seed={seed}") if workdir else None
    if source.is_image:
      yield ntc_image.train_image_ntc(source, lmbda, options.hyperprior_config, seed=seed,
                                      workdir=job_dir, log=log)
    else:
      yield ntc.train_vector_ntc(source, lmbda, options.ntc_config, seed=seed, workdir=job_dir,
                                 log=log)


def _hyperprior_points(source, lambdas, options, seed, workdir, log):
  for lmbda in lambdas:
    job_dir = os.path.join(workdir, f"hyperprior-lambda={lmbda:g}-seed={seed}") if workdir else None
    yield hyperprior.train_hyperprior(source, lmbda, options.hyperprior_config, seed=seed,
                                      workdir=job_dir, log=log)


def _pillow_points(kind):
  def points(source, lambdas, options, seed, workdir, log):
    del lambdas, options, seed, workdir
    for quality in pillow.DEFAULT_QUALITIES[kind]:
      log(f"codec:{kind} quality={quality:g}")
      yield pillow.PillowCodec(kind, quality, source.event_shape)
  return points


FAMILIES: Dict[str, Family] = {f.name: f for f in [
    Family("scalar", _vectors_only("scalar"), _scalar_points,
           "entropy-coded uniform scalar quantization of each coordinate (vectors)"),
    Family("ntc", _ntc_not_applicable, _ntc_points,
           "nonlinear transform coding: MLP (vectors) or conv (images) transforms, deep "
           "factorized prior, range coder"),
    Family("hyperprior", _conv_images_only("hyperprior", 8), _hyperprior_points,
           "conv transforms + scale hyperprior (Balle 2018), range coded (images)"),
    Family("jpeg", _images_only("jpeg", "jpeg"), _pillow_points("jpeg"), "JPEG via Pillow (images)"),
    Family("webp", _images_only("webp", "webp"), _pillow_points("webp"), "WebP via Pillow (images)"),
    Family("jpeg2000", _images_only("jpeg2000", "jpeg2000"), _pillow_points("jpeg2000"),
           "JPEG 2000 via Pillow/OpenJPEG (images)"),
]}


def register(family: Family) -> Family:
  FAMILIES[family.name] = family
  return family


def names() -> List[str]:
  return list(FAMILIES)


def applicable(source: sources_base.Source) -> List[str]:
  """Names of the families that can code `source`."""
  return [name for name, family in FAMILIES.items() if family.not_applicable(source) is None]


def check_names(names_: Sequence[str], source: sources_base.Source) -> List[str]:
  """Validates codec names for a source; raises ValueError with the valid names."""
  unknown = [n for n in names_ if n not in FAMILIES]
  if unknown:
    raise ValueError(f"unknown codec(s) {', '.join(unknown)}; valid: {', '.join(FAMILIES)}")
  reasons = [FAMILIES[n].not_applicable(source) for n in names_]
  reasons = [r for r in reasons if r]
  if reasons:
    raise ValueError("; ".join(reasons))
  return list(names_)


def run_codecs(source: sources_base.Source, codec_names: Sequence[str], lambdas: Sequence[float],
               options: CodecOptions = CodecOptions(), seed: int = 0,
               workdir: Optional[str] = None,
               log: Callable[[str], None] = lambda line: None) -> List[curves.Record]:
  """Runs the named codec families on `source` and measures every operating point.

  Args:
    source: the source (codecs fit/train on its train split, are measured on its test split).
    codec_names: family names (see `names()`).
    lambdas: multipliers for learned codecs (one model per lambda).
    options: sizes of the run.
    seed: seed of training and test draws.
    workdir: checkpoint directory for learned codecs, or None.
    log: progress lines.

  Returns:
    one `codec:<name>` record per operating point.
  """
  check_names(codec_names, source)
  records = []
  for name in codec_names:
    family = FAMILIES[name]
    built = time.time()
    for codec in family.points(source, lambdas, options, seed, workdir, log):
      build_seconds = time.time() - built
      if source.is_image:
        n_eval, block = options.n_eval_images, min(options.image_block, options.n_eval_images)
      else:
        n_eval, block = options.n_eval, min(options.block_size, options.n_eval)
      record = base.measure(codec, source, n_eval=n_eval, block_size=block, seed=seed,
                            seconds_offset=build_seconds)
      log(f"{record.estimator} {codec.setting}: D={record.distortion:.4g} "
          f"R={record.rate_nats:.4g} nats" + (f" ({record.bpp:.3g} bpp, {record.psnr_db:.2f} dB)"
                                              if record.bpp is not None else ""))
      records.append(record)
      built = time.time()
  return records
