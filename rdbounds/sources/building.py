"""A source built from its `SourceSpec`: the one place that maps a spec's kind to its class.

`spec.SourceSpec` is a value that every source carries (`Source.spec`), so it knows no source
class; this module, above both, knows them all. Building loads TensorFlow (the source
classes do); `SourceSpec.check` validates the same options earlier without it.
"""

import dataclasses

from rdbounds.sources import arrays
from rdbounds.sources import banana
from rdbounds.sources import deconvolution
from rdbounds.sources import gan
from rdbounds.sources import gaussian
from rdbounds.sources import images
from rdbounds.sources import spec as source_spec


def build(spec: source_spec.SourceSpec):
  """The source of `spec`, with `source.spec` this spec and its description.

  Options and data are validated by the source's class.

  Raises:
    ValueError (one line) for bad options or data, and when `spec` has a description that
    the rebuilt source does not match (its data changed).
  """
  if spec.kind not in source_spec.SOURCE_KINDS:
    spec.check()  # Names the problem (a source made in code, or an unknown kind).
  source = _make(spec)
  described = source.describe()
  spec.check_description(described)
  source._spec = dataclasses.replace(spec, description=described)  # pylint: disable=protected-access
  return source


def _make(spec: source_spec.SourceSpec):
  """The source of a checked spec."""
  if spec.kind == "gaussian":
    if spec.gaussian_params:
      return gaussian.GaussianSource.from_npz(spec.gaussian_params)
    return gaussian.GaussianSource.standard(spec.dim or 2)
  if spec.kind == "banana":
    return banana.BananaSource(spec.dim or 2)
  if spec.kind == "deconvolution":
    return deconvolution.DeconvolutionSource(
        dim=4 if spec.dim is None else spec.dim, atoms=16 if spec.atoms is None else spec.atoms,
        noise_std=0.5 if spec.noise_std is None else spec.noise_std, seed=spec.seed)
  if spec.kind == "npy":
    if not spec.train:
      raise ValueError("the npy source needs --train=FILE.npy")
    return arrays.ArraySource(spec.train, spec.test, split_seed=spec.seed)
  if spec.kind == "gan":
    if spec.intrinsic_dim is None:
      raise ValueError("the gan source needs --intrinsic_dim=d (active latent coordinates)")
    truncation = gan.DEFAULT_TRUNCATION if spec.truncation is None else spec.truncation
    latent_draws = spec.latent_draws or gan.LATENT_DRAWS[0]
    if spec.gan_module:
      return gan.GanSource.from_hub(spec.gan_module, spec.intrinsic_dim,
                                    spec.gan_class or 0, truncation, latent_draws)
    return gan.GanSource.shipped(spec.intrinsic_dim, truncation, latent_draws=latent_draws)
  if not spec.data:
    raise ValueError("the images source needs --data=DIR (a folder of PNG/JPEG files)")
  return images.ImageFolderSource(spec.data, 32 if spec.crop is None else spec.crop,
                                  split_seed=spec.seed, test_directory=spec.test)
