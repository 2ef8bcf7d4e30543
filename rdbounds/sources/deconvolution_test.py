"""The deconvolution source: its samples have the moments of atoms + noise, sampling is
stateless, and it is defined (name, description, atoms) by its arguments alone."""

import math

import numpy as np
import pytest
from scipy import special

from rdbounds import sources
from rdbounds import theory
from rdbounds.sources import deconvolution


def test_sample_moments_are_those_of_atoms_plus_noise():
  source = sources.DeconvolutionSource(dim=3, atoms=5, noise_std=0.7, seed=4)
  x = source.sample(400_000, seed=1).numpy().astype(np.float64)
  # Y uniform on the atoms: E X = mean of atoms, Cov X = Cov(atoms) (1/m weights) + s^2 I.
  mean = source.atoms.mean(axis=0)
  cov = np.cov(source.atoms.T, bias=True) + 0.49 * np.eye(3)
  # Standard errors of the sample mean and covariance are ~ sqrt(var / N) ~ 4e-3 and ~ 1e-2.
  np.testing.assert_allclose(x.mean(axis=0), mean, atol=0.015)
  np.testing.assert_allclose(np.cov(x.T), cov, atol=0.03)


def test_samples_follow_the_mixture_cdf_in_1d():
  source = sources.DeconvolutionSource(dim=1, atoms=6, noise_std=0.5, seed=2)
  x = np.sort(source.sample(100_000, seed=3).numpy()[:, 0].astype(np.float64))
  exact = special.ndtr((x[:, None] - source.atoms[:, 0]) / 0.5).mean(axis=1)
  # Kolmogorov-Smirnov: sup |F_N - F| < 1.95 / sqrt(N) with probability 0.999.
  empirical = np.arange(1, x.size + 1) / x.size
  assert np.max(np.abs(empirical - exact)) < 1.95 / math.sqrt(x.size)


def test_sampling_is_stateless_with_distinct_splits():
  source = sources.DeconvolutionSource(dim=2, atoms=4, noise_std=0.5, seed=0)
  first = source.sample(64, seed=7).numpy()
  np.testing.assert_array_equal(first, source.sample(64, seed=7).numpy())
  np.testing.assert_array_equal(first, sources.DeconvolutionSource(2, 4, 0.5, 0).sample(64, [7, 0]))
  assert not np.allclose(first, source.sample(64, seed=8).numpy())
  assert not np.allclose(first, source.sample(64, seed=7, split="test").numpy())
  assert first.dtype == np.float32 and first.shape == (64, 2)


def test_the_seed_defines_the_atoms_and_the_name():
  a = sources.make_source("deconvolution", dim=4, atoms=16, noise_std=0.5, seed=0)
  assert a.name == "deconvolution-dim=4-atoms=16-s=0.5-seed=0"
  assert a.atoms.shape == (16, 4) and a.atoms.dtype == np.float64
  assert np.all(np.abs(a.atoms) <= deconvolution.ATOM_RANGE)
  np.testing.assert_array_equal(a.atoms, sources.DeconvolutionSource().atoms)  # The defaults.
  b = sources.make_source("deconvolution", dim=4, atoms=16, noise_std=0.5, seed=1)
  assert not np.allclose(a.atoms, b.atoms)
  described = a.describe()
  assert {k: described[k] for k in ("kind", "dim", "atoms", "noise_std", "seed")} == dict(
      kind="deconvolution", dim=4, atoms=16, noise_std=0.5, seed=0)
  assert described["atoms_sha256"] == theory.atoms_digest(a.atoms) != b.describe()["atoms_sha256"]


def test_analytic_and_entropy_come_from_the_atoms():
  source = sources.DeconvolutionSource(dim=2, atoms=6, noise_std=0.4, seed=3)
  assert source.analytic.min_lambda == pytest.approx(2 / (2 * 0.16))
  np.testing.assert_array_equal(source.analytic.atoms, source.atoms)
  mi = source.analytic.mutual_information_nats
  assert 0 < mi <= math.log(6)
  # h(X) = I(X; Y) + h(N), which makes the Shannon lower bound R(D) itself for D <= s^2.
  assert source.differential_entropy_nats == pytest.approx(mi + math.log(2 * math.pi * math.e * 0.16))
  assert theory.shannon_lower_bound(0.1, source.differential_entropy_nats, 2) == pytest.approx(
      float(source.analytic.rate(0.1)))
  assert source.quadratic_view().base_dim == 2  # Blahut-Arimoto applies in 1-D and 2-D.


@pytest.mark.parametrize("options, message", [
    (dict(dim=0), "dim must be a positive integer"),
    (dict(dim=2.5), "dim must be a positive integer"),
    (dict(atoms=0), "atoms must be a positive integer"),
    (dict(noise_std=0.0), "noise_std must be positive"),
    (dict(noise_std=float("nan")), "noise_std must be positive"),
    (dict(noise_std="big"), "noise_std must be a positive number"),
    (dict(seed=-1), "seed must be a non-negative integer"),
])
def test_rejects_bad_arguments_in_one_line(options, message):
  with pytest.raises(ValueError, match=message) as error:
    sources.make_source("deconvolution", **options)
  assert "\n" not in str(error.value)
