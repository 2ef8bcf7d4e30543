"""Codecs as estimators: their configurations, presets and applicability (no TensorFlow here).

Each codec family is an estimator named `codec:<family>`. Learned codecs (`ntc`,
`hyperprior`) are trained at each lambda of a sweep, one job per lambda; classical codecs
(`scalar`, `jpeg`, `webp`, `jpeg2000`, and `avif`, `heic`, `jxl` when their optional packages
are installed) are swept over their own quality setting in one job (records without a lambda). Every job measures its operating points on held-out data
(`base.measure`: real bitstreams, bytes counted; photo folders: each held-out image whole).
"""

import dataclasses
import importlib
from typing import List, Optional, Tuple

from rdbounds import config
from rdbounds import estimators

PILLOW_KINDS = ("jpeg", "webp", "jpeg2000")
# Codecs from optional packages that plug into Pillow (`rdbounds.codecs.plugins`), the
# chroma formats each takes ("default": the codec's own), and for each the package, the
# module it imports and the setup.cfg extra that installs it.
PLUGIN_KINDS = ("avif", "heic", "jxl")
PLUGIN_CHROMAS = {"avif": ("default", "444"), "heic": ("default", "444"), "jxl": ("default",)}
PLUGIN_PACKAGES = {"avif": ("pillow-avif-plugin", "pillow_avif", "avif"),
                   "heic": ("pillow-heif", "pillow_heif", "heic"),
                   "jxl": ("pillow-jxl-plugin", "pillow_jxl", "jxl")}


def plugin_missing(kind: str) -> Optional[str]:
  """None when the package of codec `kind` imports, else one line saying what to install."""
  package, module, extra = PLUGIN_PACKAGES[kind]
  try:
    importlib.import_module(module)
  except ImportError:
    return (f"codec:{kind} needs the {package} package: pip install -c constraints.txt "
            f"-e '.[{extra}]' (or the 'codecs' extra for all of them)")
  return None


@dataclasses.dataclass(frozen=True)
class Measurement(config.Config):
  """How many held-out samples a codec's operating point is measured on (photo folders: all
  their held-out images, whole; these sizes are then unused)."""
  n_eval: int = config.option(20_000, "Held-out samples coded per operating point.")
  block_size: int = config.option(
      1000, "Samples per encode call (vector codecs: one bitstream per block).")

  def validate(self):
    if self.n_eval < 1 or self.block_size < 1:
      raise ValueError(f"n_eval and block_size must be >= 1, got {self.n_eval}, {self.block_size}")


@dataclasses.dataclass(frozen=True)
class ScalarCodecConfig(config.Config):
  """Entropy-coded uniform scalar quantization, swept over step sizes."""
  train_samples: int = config.option(200_000, "Samples the probability tables are fit on.")
  num_steps: int = config.option(9, "Step sizes in the sweep.")
  measurement: Measurement = config.option(Measurement(), "Measurement sizes.")


@dataclasses.dataclass(frozen=True)
class NTCCodecConfig(config.Config):
  """Nonlinear transform coding: MLP (vectors) or conv (images) transforms, factorized prior."""
  latent_dim: Optional[int] = config.option(
      None, "Latent size of vector NTC (none: the source's dimension, at most 32).")
  widths: Tuple[int, ...] = config.option((64, 64), "Hidden widths of the vector MLPs.")
  filters: int = config.option(32, "Hidden conv channels (images).")
  latent_channels: int = config.option(32, "Latent channels (images).")
  train_crop: int = config.option(
      128, "Photo folders: side of the training crops, a multiple of 4 (0: the source's own).")
  steps: int = config.option(3000, "Training steps (Adam; lr / 10 for the last 20%).")
  batch_size: int = config.option(512, "Training batch size.")
  learning_rate: float = config.option(1e-3, "Adam learning rate.")
  measurement: Measurement = config.option(Measurement(), "Measurement sizes.")

  def validate(self):
    if self.train_crop < 0 or self.train_crop % 4:
      raise ValueError(f"train_crop must be 0 or a positive multiple of 4, got {self.train_crop}")


@dataclasses.dataclass(frozen=True)
class HyperpriorCodecConfig(config.Config):
  """Conv transforms with a scale hyperprior (images)."""
  filters: int = config.option(32, "Hidden conv channels.")
  latent_channels: int = config.option(32, "Channels M of the latent y.")
  hyper_channels: int = config.option(16, "Channels K of the hyper-latent z.")
  train_crop: int = config.option(
      128, "Photo folders: side of the training crops, a multiple of 8 (0: the source's own).")
  steps: int = config.option(3000, "Training steps (Adam; lr / 10 for the last 20%).")
  batch_size: int = config.option(16, "Training batch size.")
  learning_rate: float = config.option(1e-3, "Adam learning rate.")
  measurement: Measurement = config.option(Measurement(256, 32), "Measurement sizes.")

  def validate(self):
    if self.train_crop < 0 or self.train_crop % 8:
      raise ValueError(f"train_crop must be 0 or a positive multiple of 8, got {self.train_crop}")


@dataclasses.dataclass(frozen=True)
class PillowCodecConfig(config.Config):
  """A Pillow codec swept over its quality setting (JPEG 2000: target rate in bpp)."""
  qualities: Tuple[float, ...] = config.option(
      (5, 10, 20, 30, 50, 70, 85, 95),
      "Settings of the sweep: JPEG/WebP quality 0..100, JPEG 2000 target bits per pixel.")
  measurement: Measurement = config.option(Measurement(256, 32), "Measurement sizes.")


@dataclasses.dataclass(frozen=True)
class PluginCodecConfig(config.Config):
  """AVIF, HEIC or JPEG XL swept over quality and chroma format (every pair is a setting)."""
  qualities: Tuple[int, ...] = config.option(
      (10, 30, 50, 70, 90), "Qualities of the sweep, 0..100 (the library's own scale).")
  chromas: Tuple[str, ...] = config.option(
      ("default", "444"), "Chroma formats: default (the codec's own: 4:2:0 for AVIF and "
      "HEIC) and 444 (full-resolution chroma; not for JPEG XL).")
  measurement: Measurement = config.option(Measurement(256, 32), "Measurement sizes.")

  def validate(self):
    if not self.qualities or not all(0 <= q <= 100 for q in self.qualities):
      raise ValueError(f"qualities must be in 0..100, got {self.qualities}")
    unknown = sorted(set(self.chromas) - {"default", "444"})
    if unknown or not self.chromas:
      raise ValueError(f"chromas must be among default, 444, got {self.chromas}")


_IMAGES = Measurement(256, 32)
_IMAGES_QUICK = Measurement(64, 16)
_NTC_IMAGES = NTCCodecConfig(batch_size=16, measurement=_IMAGES)

SCALAR_PRESETS = {
    "quick": ScalarCodecConfig(50_000, 7, Measurement(5000, 1000)),
    "default": ScalarCodecConfig(),
    "paper": ScalarCodecConfig(1_000_000, 11, Measurement(100_000, 1000)),
}
NTC_PRESETS = {
    "quick": NTCCodecConfig(steps=1500, batch_size=256, measurement=Measurement(5000, 1000)),
    "default": NTCCodecConfig(),
    "paper": NTCCodecConfig(widths=(100, 100), steps=20_000,
                            measurement=Measurement(100_000, 1000)),
}
NTC_IMAGE_PRESETS = {
    "quick": dataclasses.replace(_NTC_IMAGES, steps=1000, measurement=_IMAGES_QUICK),
    "default": _NTC_IMAGES,
    "paper": dataclasses.replace(_NTC_IMAGES, filters=64, latent_channels=96, steps=20_000,
                                 measurement=Measurement(1024, 32)),
}
HYPERPRIOR_PRESETS = {
    "quick": HyperpriorCodecConfig(steps=1000, measurement=_IMAGES_QUICK),
    "default": HyperpriorCodecConfig(),
    "paper": HyperpriorCodecConfig(filters=64, latent_channels=96, hyper_channels=64,
                                   steps=20_000, measurement=Measurement(1024, 32)),
}
PILLOW_QUALITIES = {
    # Down to about 0.1 bpp on photographs: below quality 2 JPEG's tables no longer change.
    "jpeg": (2, 3, 5, 10, 20, 30, 50, 70, 85, 95),
    "webp": (0, 2, 5, 10, 20, 30, 50, 70, 85, 95),
    # Target rates in bpp (OpenJPEG's "rates" mode): PSNR rises with the rate.
    "jpeg2000": (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
}


PLUGIN_QUALITIES = {
    # From about 0.1 bpp on photographs (AVIF's rate stops falling below quality 2) to
    # where 4:2:0 stops gaining PSNR (about 45 dB).
    "avif": (2, 10, 20, 30, 40, 50, 60, 70, 85, 95),
    "heic": (2, 5, 10, 20, 30, 40, 50, 60, 70, 85),
    # libjxl's quality 0 is still about 0.15 bpp on photographs.
    "jxl": (0, 10, 30, 50, 60, 70, 80, 85, 90, 95),
}


def _plugin_presets(kind):
  configs = [PluginCodecConfig(PLUGIN_QUALITIES[kind], PLUGIN_CHROMAS[kind], measurement)
             for measurement in (_IMAGES_QUICK, _IMAGES, Measurement(1024, 32))]
  return dict(zip(("quick", "default", "paper"), configs))


def _pillow_presets(kind):
  qualities = PILLOW_QUALITIES[kind]
  return {"quick": PillowCodecConfig(qualities, _IMAGES_QUICK),
          "default": PillowCodecConfig(qualities, _IMAGES),
          "paper": PillowCodecConfig(qualities, Measurement(1024, 32))}


# ---------------------------------------------------------------------------------------------
# Which sources a codec applies to.


def _vectors_only(name):
  def check(source):
    return None if not source.is_image else f"{name} codes vectors; {source.name} is an image source"
  return check


def _images(name, multiple=1, kind=None, plugin=None):
  """Images of 1 or 3 channels whose H and W are multiples of `multiple` (the transforms'
  total stride), a Pillow build that can write `kind`, and the package of a `plugin` codec
  installed."""
  def check(source):
    if not source.is_image:
      return f"{name} codes images; {source.name} is a vector source"
    if source.event_shape[2] not in (1, 3):
      return f"{name} codes 1- or 3-channel images; {source.name} has {source.event_shape[2]}"
    if source.event_shape[0] % multiple or source.event_shape[1] % multiple:
      return (f"{name} needs H and W divisible by {multiple}; {source.name} is "
              f"{source.event_shape[:2]}")
    if kind:
      from PIL import features  # pylint: disable=g-import-not-at-top
      if not features.check({"jpeg": "jpg", "webp": "webp", "jpeg2000": "jpg_2000"}[kind]):
        return f"this Pillow build cannot write {kind}"
    if plugin:
      return plugin_missing(plugin)
    return None
  return check


def _ntc_not_applicable(source):
  # Vectors take the MLP transforms; images the conv ones (total stride 4).
  return _images("ntc", 4)(source) if source.is_image else None


def one_job(estimator, lambdas, seed, config_, source) -> List[estimators.Job]:
  """Classical codecs sweep their own quality setting: one job, no lambda."""
  del lambdas
  return [estimators.Job(estimator.name, None, seed, config_, source)]


_RUN = "rdbounds.codecs.estimator:run"
ESTIMATORS = (
    estimators.Estimator(
        name="codec:scalar", run=_RUN, config_class=ScalarCodecConfig, presets=SCALAR_PRESETS,
        not_applicable=_vectors_only("scalar"), plan=one_job,
        description="entropy-coded uniform scalar quantization of each coordinate (vectors)"),
    estimators.Estimator(
        name="codec:ntc", run=_RUN, config_class=NTCCodecConfig, presets=NTC_PRESETS,
        image_presets=NTC_IMAGE_PRESETS, not_applicable=_ntc_not_applicable,
        description="nonlinear transform coding, range coded (MLP for vectors, conv for "
        "images)"),
    estimators.Estimator(
        name="codec:hyperprior", run=_RUN, config_class=HyperpriorCodecConfig,
        presets=HYPERPRIOR_PRESETS, image_presets=HYPERPRIOR_PRESETS,
        not_applicable=_images("hyperprior", 8),
        description="conv transforms + scale hyperprior (Balle 2018), range coded (images)"),
    *(estimators.Estimator(
        name=f"codec:{kind}", run=_RUN, config_class=PillowCodecConfig,
        presets=_pillow_presets(kind), image_presets=_pillow_presets(kind),
        not_applicable=_images(kind, kind=kind), plan=one_job,
        description=f"{kind} via Pillow (images)") for kind in PILLOW_KINDS),
    *(estimators.Estimator(
        name=f"codec:{kind}", run=_RUN, config_class=PluginCodecConfig,
        presets=_plugin_presets(kind), image_presets=_plugin_presets(kind),
        not_applicable=_images(kind, plugin=kind), plan=one_job,
        description=description) for kind, description in (
            ("avif", "AVIF (AV1 intra, libaom) via pillow-avif-plugin (images; extra: avif)"),
            ("heic", "HEIC (HEVC intra, x265) via pillow-heif (images; extra: heic)"),
            ("jxl", "JPEG XL (libjxl) via pillow-jxl-plugin (images; extra: jxl)"))),
)
