"""`SourceSpec`: one serializable value that both rebuilds a source and names it.

The options (`kind`, `dim`, `train`, ...) are what `building.build` needs to make the source
again, in any process (a Dask worker, a later run); `description` is what the source *is*,
by content (`Source.describe()`: parameters and the hashes of the files it reads, not their
paths), and what job ids hash. Building fills the description in; the sweep checks that a
spec rebuilds the source its jobs were planned on (`check_description`), so data that changed
on disk never passes for the data a job's id names. A spec is a value: it knows no source
class (`building` does), so every source can carry one.

`check` runs before TensorFlow loads: required options, and the data files themselves (an
npy file is read with numpy: missing, unreadable, non-numeric, wrong rank, NaN or inf are
refused in one line naming the file).
"""

import dataclasses
import os
from typing import Any, Dict, Optional

from rdbounds.sources import npy_files

SOURCE_KINDS = ("banana", "gaussian", "deconvolution", "npy", "gan", "images")
# The kind of the spec of a source made in code from its class: it names the source, and no
# options rebuild it.
CUSTOM = "custom"


@dataclasses.dataclass(frozen=True)
class SourceSpec:
  """A source by its options (as the command line gives them) and, once built, its description.

  Attributes:
    kind: one of `SOURCE_KINDS`.
    dim: dimension for `gaussian` (N(0, I_dim)), `banana` (embedding dim, >= 2) and
      `deconvolution` (default 4).
    gaussian_params: `.npz` with `loc` and `scale` for `gaussian` (overrides `dim`).
    train, test: `.npy` paths for `npy`; `test` for `images`: a folder of held-out images
      (then every file of `data` is trained on).
    seed: seed of the held-out split of finite data without `test` (and of the split by
      file of `images`); for `deconvolution`, the seed of its atoms.
    atoms, noise_std: `deconvolution`: the number of atoms (default 16) and the noise
      standard deviation s (default 0.5).
    intrinsic_dim, truncation, gan_module, gan_class, latent_draws: `gan`: active latent
      coordinates d (required), truncation (default 0.8), a local TF-Hub BigGAN-deep module
      (default: the generator shipped in `data/`), its class (default 0), and how
      evaluation draws spread their latents ("sobol", the default, or "iid").
    data, crop: `images`: folder of PNG/JPEG files (required), crop in pixels (default 32).
    description: `Source.describe()` of the source these options built (None until built).
  """
  kind: str
  dim: Optional[int] = None
  gaussian_params: Optional[str] = None
  train: Optional[str] = None
  test: Optional[str] = None
  seed: int = 0
  atoms: Optional[int] = None
  noise_std: Optional[float] = None
  intrinsic_dim: Optional[int] = None
  truncation: Optional[float] = None
  gan_module: Optional[str] = None
  gan_class: Optional[int] = None
  latent_draws: Optional[str] = None
  data: Optional[str] = None
  crop: Optional[int] = None
  description: Optional[Dict[str, Any]] = dataclasses.field(default=None, compare=False)

  @classmethod
  def from_options(cls, **options) -> "SourceSpec":
    """From keyword options (a command line's, or `options()`'s). Raises ValueError."""
    names = {f.name for f in dataclasses.fields(cls)} - {"description"}
    unknown = sorted(set(options) - names)
    if unknown:
      raise ValueError(f"unknown source option(s) {', '.join(unknown)}; valid: "
                       f"{', '.join(sorted(names))}")
    if "kind" not in options:
      raise ValueError("a source needs its kind (--source)")
    return cls(**{k: v for k, v in options.items() if v is not None or k == "kind"})

  def options(self) -> Dict[str, Any]:
    """The options that are set (kind included): `from_options(**spec.options())` rebuilds."""
    return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
            if f.name != "description" and getattr(self, f.name) is not None}

  def to_json(self) -> Dict[str, Any]:
    return dict(self.options(), description=self.description)

  @classmethod
  def from_json(cls, data: Dict[str, Any]) -> "SourceSpec":
    data = dict(data)
    description = data.pop("description", None)
    return dataclasses.replace(cls.from_options(**data), description=description)

  def check(self) -> None:
    """Raises ValueError (one line) for options building would refuse, reading data files with
    numpy only (no TensorFlow): npy files are validated whole (`npy_files.load_samples`),
    other files and folders are checked to exist."""
    if self.kind == CUSTOM:
      raise ValueError(f"a source made in code ({(self.description or {}).get('name')}) cannot be "
                       f"rebuilt from options; run its jobs by calling the estimator")
    if self.kind not in SOURCE_KINDS:
      raise ValueError(f"unknown source {self.kind!r}; valid: {', '.join(SOURCE_KINDS)}")
    if self.dim is not None and self.dim < 1:
      raise ValueError(f"--dim must be >= 1, got {self.dim}")
    if self.atoms is not None and self.atoms < 1:
      raise ValueError(f"--atoms must be >= 1, got {self.atoms}")
    if self.noise_std is not None and not self.noise_std > 0:
      raise ValueError(f"--noise_std must be > 0, got {self.noise_std}")
    if self.kind == "gaussian" and self.gaussian_params and not os.path.exists(
        self.gaussian_params):
      raise ValueError(f"{self.gaussian_params}: no such file")
    if self.kind == "npy":
      if not self.train:
        raise ValueError("the npy source needs --train=FILE.npy")
      npy_files.load_train_and_test(self.train, self.test)
    if self.kind == "gan":
      if self.intrinsic_dim is None:
        raise ValueError("the gan source needs --intrinsic_dim=d (active latent coordinates)")
      if self.gan_module and not os.path.isdir(self.gan_module):
        raise ValueError(f"{self.gan_module}: no such directory (--gan_module)")
      if self.latent_draws not in (None, "sobol", "iid"):
        raise ValueError(f"--latent_draws must be sobol or iid, got {self.latent_draws!r}")
    if self.kind == "images":
      if not self.data:
        raise ValueError("the images source needs --data=DIR (a folder of PNG/JPEG files)")
      for folder in (self.data, self.test):
        if folder is not None and not os.path.isdir(folder):
          raise ValueError(f"{folder}: not a directory of images")

  def check_description(self, described: Dict[str, Any]) -> None:
    """Raises ValueError when this spec names another source than `described`."""
    if self.description is not None and described != self.description:
      changed = sorted(k for k in set(described) | set(self.description)
                       if described.get(k) != self.description.get(k))
      raise ValueError(f"the {self.kind} source rebuilt from its options is not the one its "
                       f"spec names (changed: {', '.join(changed)}): its data changed since")

