"""Data sources. `make_source(kind, **options)` builds one by name.

The source classes load TensorFlow; they are imported on first use, so `check_options`
(cheap checks of a command line's source options: required options, files that exist) runs
before TensorFlow is loaded.
"""

import importlib
import os

SOURCE_KINDS = ("banana", "gaussian", "deconvolution", "npy", "gan", "images")

# Public name -> module that defines it (imported on first attribute access).
_LAZY = {
    "QuadraticView": "base", "Source": "base", "stateless_seed": "base",
    "ArraySource": "arrays", "DataError": "arrays",
    "BananaSource": "banana",
    "DeconvolutionSource": "deconvolution",
    "GaussianSource": "gaussian",
    "DEFAULT_TRUNCATION": "gan", "GanSource": "gan",
    "ImageFolderSource": "images",
}


def __getattr__(name):
  if name in _LAZY:
    return getattr(importlib.import_module(f"rdbounds.sources.{_LAZY[name]}"), name)
  raise AttributeError(f"module 'rdbounds.sources' has no attribute {name!r}")


def check_options(kind: str, dim: int = None, gaussian_params: str = None, train: str = None,
                  test: str = None, seed: int = 0, atoms: int = None, noise_std: float = None,
                  **image_options) -> None:
  """Raises ValueError (one line) for options `make_source` would refuse without reading data.

  Same arguments as `make_source`. Data files are checked to exist, not read.
  """
  del seed
  if kind not in SOURCE_KINDS:
    raise ValueError(f"unknown source {kind!r}; valid: {', '.join(SOURCE_KINDS)}")
  if dim is not None and dim < 1:
    raise ValueError(f"--dim must be >= 1, got {dim}")
  if atoms is not None and atoms < 1:
    raise ValueError(f"--atoms must be >= 1, got {atoms}")
  if noise_std is not None and not noise_std > 0:
    raise ValueError(f"--noise_std must be > 0, got {noise_std}")
  files = []
  if kind == "gaussian" and gaussian_params:
    files.append(gaussian_params)
  if kind == "npy":
    if not train:
      raise ValueError("the npy source needs --train=FILE.npy")
    files += [f for f in (train, test) if f]
  if kind == "gan" and image_options.get("intrinsic_dim") is None:
    raise ValueError("the gan source needs --intrinsic_dim=d (active latent coordinates)")
  if kind == "gan" and image_options.get("gan_module"):
    if not os.path.isdir(image_options["gan_module"]):
      raise ValueError(f"{image_options['gan_module']}: no such directory (--gan_module)")
  if kind == "images":
    if not image_options.get("data"):
      raise ValueError("the images source needs --data=DIR (a folder of PNG/JPEG files)")
    if not os.path.isdir(image_options["data"]):
      raise ValueError(f"{image_options['data']}: not a directory of images")
  for path in files:
    if not os.path.exists(path):
      raise ValueError(f"{path}: no such file")


def make_source(kind: str, dim: int = None, gaussian_params: str = None, train: str = None,
                test: str = None, seed: int = 0, atoms: int = None, noise_std: float = None,
                **image_options):
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
  from rdbounds.sources import (  # pylint: disable=g-import-not-at-top
      arrays, banana, deconvolution, gan, gaussian, images)
  if kind == "gaussian":
    if gaussian_params:
      return gaussian.GaussianSource.from_npz(gaussian_params)
    return gaussian.GaussianSource.standard(dim or 2)
  if kind == "banana":
    return banana.BananaSource(dim or 2)
  if kind == "deconvolution":
    return deconvolution.DeconvolutionSource(
        dim=4 if dim is None else dim, atoms=16 if atoms is None else atoms,
        noise_std=0.5 if noise_std is None else noise_std, seed=seed)
  if kind == "npy":
    if not train:
      raise ValueError("the npy source needs --train=FILE.npy")
    return arrays.ArraySource(train, test, split_seed=seed)
  if kind == "gan":
    d = image_options.get("intrinsic_dim")
    if d is None:
      raise ValueError("the gan source needs --intrinsic_dim=d (active latent coordinates)")
    truncation = image_options.get("truncation")
    truncation = gan.DEFAULT_TRUNCATION if truncation is None else truncation
    if image_options.get("gan_module"):
      gan_class = image_options.get("gan_class")
      return gan.GanSource.from_hub(image_options["gan_module"], d,
                                    0 if gan_class is None else gan_class, truncation)
    return gan.GanSource.shipped(d, truncation)
  if kind == "images":
    if not image_options.get("data"):
      raise ValueError("the images source needs --data=DIR (a folder of PNG/JPEG files)")
    crop = image_options.get("crop")
    return images.ImageFolderSource(image_options["data"], 32 if crop is None else crop,
                                    split_seed=seed)
  raise ValueError(f"unknown source {kind!r}; valid: {', '.join(SOURCE_KINDS)}")
