"""Data sources. A `SourceSpec` names a source and `build(spec)` rebuilds it;
`make_source(kind, **options)` builds one by name.

The source classes load TensorFlow; they are imported on first use, so `SourceSpec.check`
(the options and the data files, read with numpy) runs before TensorFlow is loaded.
"""

import importlib

from rdbounds.sources.npy_files import DataError
from rdbounds.sources.spec import SOURCE_KINDS, SourceSpec

# Public name -> module that defines it (imported on first attribute access).
_LAZY = {
    "QuadraticView": "base", "Source": "base", "stateless_seed": "base",
    "ArraySource": "arrays",
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


def build(spec: SourceSpec):
  """The source `spec` names, rebuilt (`building.build`; loads TensorFlow)."""
  return importlib.import_module("rdbounds.sources.building").build(spec)


def make_source(kind: str, **options):
  """The source of `SourceSpec.from_options(kind=kind, **options)` (options: its fields)."""
  return build(SourceSpec.from_options(kind=kind, **options))
