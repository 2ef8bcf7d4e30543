"""Data sources. `make_source(kind, **options)` builds one by name."""

from rdbounds.sources.base import QuadraticView, Source, stateless_seed
from rdbounds.sources.arrays import ArraySource, DataError
from rdbounds.sources.banana import BananaSource
from rdbounds.sources.gaussian import GaussianSource

SOURCE_KINDS = ("banana", "gaussian", "npy")


def make_source(kind: str, dim: int = None, gaussian_params: str = None, train: str = None,
                test: str = None, seed: int = 0, **image_options) -> Source:
  """Builds a source from the options of the command line (also stored in config.json).

  Args:
    kind: one of `SOURCE_KINDS`.
    dim: dimension for `gaussian` (N(0, I_dim)) and `banana` (embedding dim, >= 2).
    gaussian_params: `.npz` with `loc` and `scale` for `gaussian` (overrides `dim`).
    train, test: `.npy` paths for `npy`.
    seed: seed of the held-out split of finite data without `test`.
    **image_options: options of image sources (ignored by the others).
  """
  if kind == "gaussian":
    if gaussian_params:
      return GaussianSource.from_npz(gaussian_params)
    return GaussianSource.standard(dim or 2)
  if kind == "banana":
    return BananaSource(dim or 2)
  if kind == "npy":
    if not train:
      raise ValueError("the npy source needs --train=FILE.npy")
    return ArraySource(train, test, split_seed=seed)
  raise ValueError(f"unknown source {kind!r}; valid: {', '.join(SOURCE_KINDS)}")
