"""Deconvolution source X = Y + N: a Gaussian-blurred cloud of atoms, with exact R(D) for D <= s^2.

Y is uniform on m fixed atoms in R^n, each coordinate drawn uniform in [-3, 3] from a numpy
generator seeded with `seed` (the atoms are part of the source's definition), and
N ~ N(0, s^2 I_n) is independent of Y. Under MSE per dimension its R(D) is known in closed form
for D <= s^2 (`theory.DeconvolutionRD`), and it is far from Gaussian when the atoms are
farther apart than s.
"""

import math

import numpy as np
import tensorflow as tf

from rdbounds import theory
from rdbounds.sources import base

ATOM_RANGE = 3.0  # Atom coordinates are uniform in [-ATOM_RANGE, ATOM_RANGE].
# The two members of the family the project's tightness is measured on (benchmarks): options
# of `DeconvolutionSource` (and of `make_source("deconvolution", ...)`) besides the atoms' seed.
BENCHMARK_SOURCES = {
    "deconv4": dict(dim=4, atoms=16, noise_std=0.5),
    "deconv8": dict(dim=8, atoms=32, noise_std=0.6),
}


def _positive_int(name: str, value) -> int:
  if isinstance(value, bool) or not float(value).is_integer() or int(value) < 1:
    raise ValueError(f"{name} must be a positive integer, got {value!r}")
  return int(value)


def make_atoms(num_atoms: int, dim: int, seed: int) -> np.ndarray:
  """The `[num_atoms, dim]` float64 atoms of the source with this seed."""
  rng = np.random.default_rng(seed)
  return rng.uniform(-ATOM_RANGE, ATOM_RANGE, size=(num_atoms, dim))


class DeconvolutionSource(base.Source):
  """X = Y + N with Y uniform on seeded atoms and N ~ N(0, noise_std^2 I_dim).

  Args:
    dim: n >= 1.
    atoms: number m >= 1 of atoms.
    noise_std: s > 0.
    seed: seed of the atoms (not of the sampling, which `sample` takes).

  Attributes:
    atoms: `[m, n]` float64 atom positions.
    noise_std: s.
    seed: the atoms' seed.
    analytic: the `theory.DeconvolutionRD` of this source.
  """

  def __init__(self, dim: int = 4, atoms: int = 16, noise_std: float = 0.5, seed: int = 0):
    dim = _positive_int("dim", dim)
    num_atoms = _positive_int("atoms", atoms)
    try:
      noise_std = float(noise_std)
    except (TypeError, ValueError):
      raise ValueError(f"noise_std must be a positive number, got {noise_std!r}") from None
    if not (math.isfinite(noise_std) and noise_std > 0):
      raise ValueError(f"noise_std must be positive and finite, got {noise_std!r}")
    if isinstance(seed, bool) or not float(seed).is_integer() or int(seed) < 0:
      raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    self.seed = int(seed)
    self.noise_std = noise_std
    self.atoms = make_atoms(num_atoms, dim, self.seed)
    self.event_shape = (dim,)
    self.name = f"deconvolution-dim={dim}-atoms={num_atoms}-s={noise_std:g}-seed={self.seed}"
    self.analytic = theory.DeconvolutionRD(self.atoms, noise_std)
    self._atoms_f32 = tf.constant(self.atoms, tf.float32)

  @property
  def num_atoms(self) -> int:
    return self.atoms.shape[0]

  @property
  def differential_entropy_nats(self) -> float:
    """h(X) = I(X; Y) + n/2 ln(2 pi e s^2), I by Monte Carlo (computed on first use, cached)."""
    return self.analytic.differential_entropy_nats

  def _sample(self, batch_size, seed, split):
    del split  # Folded into `seed` by `Source.sample`.
    atom_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    index = tf.random.stateless_uniform([batch_size], seed=atom_seed, minval=0,
                                        maxval=self.num_atoms, dtype=tf.int32)
    noise = tf.random.stateless_normal([batch_size, self.dim], seed=noise_seed)
    return tf.gather(self._atoms_f32, index) + self.noise_std * noise

  def describe(self):
    return dict(super().describe(), kind="deconvolution", dim=self.dim, atoms=self.num_atoms,
                noise_std=self.noise_std, seed=self.seed, atom_range=ATOM_RANGE,
                atoms_sha256=theory.atoms_digest(self.atoms))
