"""Data sources. `make_source(kind, **options)` builds one by name."""

from rdbounds.sources.base import QuadraticView, Source, stateless_seed
from rdbounds.sources.arrays import ArraySource, DataError
from rdbounds.sources.banana import BananaSource
from rdbounds.sources.deconvolution import DeconvolutionSource
from rdbounds.sources.gaussian import GaussianSource
from rdbounds.sources.gan import DEFAULT_TRUNCATION, GanSource
from rdbounds.sources.images import ImageFolderSource

SOURCE_KINDS = ("banana", "gaussian", "deconvolution", "npy", "gan", "images")


def make_source(kind: str, dim: int = None, gaussian_params: str = None, train: str = None,
                test: str = None, seed: int = 0, atoms: int = None, noise_std: float = None,
                **image_options) -> Source:
  """Builds a source from the options of the command line (also stored in config.json).

  Args:
    kind: one of `SOURCE_KINDS`.
    dim: dimension for `gaussian` (N(0, I_dim)), `banana` (embedding dim, >= 2) and
      `deconvolution` (default 4).
    gaussian_params: `.npz` with `loc` and `scale` for `gaussian` (overrides `dim`).
    train, test: `.npy` paths for `npy`.
    seed: seed of the held-out split of finite data without `test` (and of the split by
      file of `images`); for `deconvolution`, the seed of its atoms.
    atoms, noise_std: for `deconvolution`: the number of atoms (default 16) and the noise
      standard deviation s (default 0.5).
    **image_options: options of image sources (ignored by the others):
      `gan`: `intrinsic_dim` (d, required), `truncation` (default 0.8), and `gan_module`
        (local path of a BigGAN-deep TF-Hub module; default: the generator shipped in
        `data/`) with `gan_class` (default 0).
      `images`: `data` (folder of PNG/JPEG files, required), `crop` (pixels, default 32).
  """
  if kind == "gaussian":
    if gaussian_params:
      return GaussianSource.from_npz(gaussian_params)
    return GaussianSource.standard(dim or 2)
  if kind == "banana":
    return BananaSource(dim or 2)
  if kind == "deconvolution":
    return DeconvolutionSource(dim=4 if dim is None else dim, atoms=16 if atoms is None else atoms,
                               noise_std=0.5 if noise_std is None else noise_std, seed=seed)
  if kind == "npy":
    if not train:
      raise ValueError("the npy source needs --train=FILE.npy")
    return ArraySource(train, test, split_seed=seed)
  if kind == "gan":
    d = image_options.get("intrinsic_dim")
    if d is None:
      raise ValueError("the gan source needs --intrinsic_dim=d (active latent coordinates)")
    truncation = image_options.get("truncation")
    truncation = DEFAULT_TRUNCATION if truncation is None else truncation
    if image_options.get("gan_module"):
      gan_class = image_options.get("gan_class")
      return GanSource.from_hub(image_options["gan_module"], d,
                                0 if gan_class is None else gan_class, truncation)
    return GanSource.shipped(d, truncation)
  if kind == "images":
    if not image_options.get("data"):
      raise ValueError("the images source needs --data=DIR (a folder of PNG/JPEG files)")
    crop = image_options.get("crop")
    return ImageFolderSource(image_options["data"], 32 if crop is None else crop,
                             split_seed=seed)
  raise ValueError(f"unknown source {kind!r}; valid: {', '.join(SOURCE_KINDS)}")
