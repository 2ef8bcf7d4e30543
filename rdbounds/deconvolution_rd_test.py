"""The deconvolution source's closed-form R(D): against Blahut-Arimoto, and its I(X; Y) by
Monte Carlo against quadrature."""

import math

import numpy as np
import pytest
from scipy import special

from rdbounds import blahut_arimoto
from rdbounds import estimators
from rdbounds import theory
from rdbounds.sources.deconvolution import DeconvolutionSource

NOISE_STD = 0.5


@pytest.fixture(scope="module")
def atoms_1d():
  # Eight atoms in [-3, 3] at s = 0.5: neighbours overlap, so I(X; Y) ~ 1.14 nats < ln 8.
  return np.random.default_rng(0).uniform(-3.0, 3.0, size=(8, 1))


def quadrature_mutual_information(atoms, noise_std):
  """I(X; Y) = h(X) - h(N) for 1-D atoms, h(X) by the trapezoidal rule on a fine grid."""
  x = np.linspace(atoms.min() - 12 * noise_std, atoms.max() + 12 * noise_std, 200_001)
  log_p = (special.logsumexp(-(x[:, None] - atoms[:, 0])**2 / (2 * noise_std**2), axis=1)
           - math.log(atoms.shape[0]) - 0.5 * math.log(2 * math.pi * noise_std**2))
  entropy = -np.trapz(np.exp(log_p) * log_p, x)
  return entropy - 0.5 * math.log(2 * math.pi * math.e * noise_std**2)


def test_mutual_information_matches_quadrature_in_1d(atoms_1d):
  rd = theory.DeconvolutionRD(atoms_1d, NOISE_STD)
  assert rd.mutual_information_se < 1.5e-4
  truth = quadrature_mutual_information(atoms_1d, NOISE_STD)
  assert 0.5 < truth < math.log(8) - 0.5  # The atoms overlap: a test that can tell I from ln m.
  assert abs(rd.mutual_information_nats - truth) < 4 * rd.mutual_information_se


def test_mutual_information_standard_error_is_honest(atoms_1d):
  # Two independent full-size estimates agree within 4 of their combined standard errors ...
  a = theory.deconvolution_mutual_information(atoms_1d, NOISE_STD, seed=1)
  b = theory.deconvolution_mutual_information(atoms_1d, NOISE_STD, seed=2)
  assert abs(a[0] - b[0]) < 4 * math.hypot(a[1], b[1])
  # ... and on small budgets the spread over 30 seeds is what the reported SE says (neither
  # too small nor too large): the sample std of 30 draws is within +-40% of sigma at ~3 sigma.
  small = np.array([theory.deconvolution_mutual_information(
      atoms_1d, NOISE_STD, seed=seed, target_se=0.0, max_samples=2048, chunk=2048)
                    for seed in range(100, 130)])
  ratio = small[:, 0].std(ddof=1) / small[:, 1].mean()
  assert 0.6 < ratio < 1.4, ratio


def test_mutual_information_of_separated_atoms_is_ln_m():
  # Atoms 100 s apart: the posterior is one-hot, H(Y | X) = 0 to double precision.
  atoms = 50.0 * np.arange(5, dtype=np.float64)[:, None] * np.ones((1, 3))
  rd = theory.DeconvolutionRD(atoms, 0.5)
  assert rd.mutual_information_nats == pytest.approx(math.log(5), abs=1e-12)


@pytest.fixture(scope="module")
def discretized_1d(atoms_1d):
  """The 1-D density on bins of width 0.04 with exact bin probabilities (normal CDFs)."""
  width = 0.04
  edges = np.arange(atoms_1d.min() - 7 * NOISE_STD, atoms_1d.max() + 7 * NOISE_STD + width, width)
  cdf = special.ndtr((edges[:, None] - atoms_1d[:, 0]) / NOISE_STD).mean(axis=1)
  centres = 0.5 * (edges[1:] + edges[:-1])[:, None]
  return np.diff(cdf), blahut_arimoto.quadratic_distortion(centres, centres, np.eye(1))


@pytest.mark.parametrize("lmbda", [4.0, 20.0])
def test_closed_form_matches_blahut_arimoto_in_1d(atoms_1d, discretized_1d, lmbda):
  # lambda >= min_lambda = 2 here. Binning moves R and F by ~2e-4 nats and the Monte Carlo
  # I(X; Y) by ~1e-4; dropping I would be off by 1.1 nats, n for n/2 by 0.35 (lambda = 4),
  # D = n / lambda for n / (2 lambda) by 0.3.
  probs, distortion_matrix = discretized_1d
  rd = theory.DeconvolutionRD(atoms_1d, NOISE_STD)
  result = blahut_arimoto.blahut_arimoto(probs, distortion_matrix, lmbda, tol=1e-4,
                                         max_iterations=20_000)
  assert result.converged
  assert result.rate_nats == pytest.approx(float(rd.rate(result.distortion)), abs=1e-3)
  assert result.distortion == pytest.approx(float(rd.point(lmbda)[0]), rel=0.02)
  intercept = float(rd.intercept(lmbda))
  assert result.intercept_lower - 1e-3 <= intercept <= result.intercept_upper + 1e-3


def test_below_min_lambda_there_is_no_closed_form(atoms_1d):
  rd = theory.DeconvolutionRD(atoms_1d, NOISE_STD)  # n / (2 s^2) = 2.
  for method in (rd.point, rd.intercept):
    with pytest.raises(theory.NoClosedForm, match=r"^no closed form below lambda = n/\(2 s\^2\) = 2 "
                       r"\(here lambda = 1.5\)$"):
      method([1.5, 3.0])
  assert rd.intercept(2.0) == pytest.approx(rd.mutual_information_nats + 0.5)  # At D = s^2.


def test_the_analytic_estimator_skips_a_lambda_without_closed_form_with_one_line():
  # A sweep's analytic job below the source's smallest known slope gives no row and says
  # why, and the job above it its exact row: NoClosedForm must not fail the sweep.
  source = DeconvolutionSource(dim=1, atoms=8, noise_std=NOISE_STD, seed=0)
  entry = estimators.get("analytic")
  below, above = entry.plan_jobs([1.5, 3.0], 0, entry.config("default"), source.spec)
  lines = []
  assert entry(source, below, estimators.JobContext(log=lines.append)) == []
  assert lines == ["analytic: no closed form below lambda = n/(2 s^2) = 2 (here lambda = 1.5)"]
  record, = entry(source, above, estimators.JobContext(log=lines.append))
  assert record.intercept_nats == pytest.approx(float(source.analytic.intercept(3.0)))


def test_rate_is_nan_between_noise_variance_and_max_distortion(atoms_1d):
  rd = theory.DeconvolutionRD(atoms_1d, NOISE_STD)
  grid = np.array([0.1, 0.25, 0.3, rd.max_distortion - 1e-3, rd.max_distortion, 10.0])
  rate = rd.rate(grid)
  assert rate[1] == pytest.approx(rd.mutual_information_nats)  # R(s^2) = I(X; Y).
  assert rate[0] == pytest.approx(rd.mutual_information_nats + 0.5 * math.log(0.25 / 0.1))
  assert np.all(np.isnan(rate[2:4]))
  np.testing.assert_array_equal(rate[4:], 0.0)
  # D_max is the per-dim variance of X: that of the atoms plus s^2.
  assert rd.max_distortion == pytest.approx(np.var(atoms_1d) + NOISE_STD**2)


def test_rejects_bad_arguments(atoms_1d):
  with pytest.raises(ValueError, match="atoms"):
    theory.DeconvolutionRD(np.zeros(3), 0.5)
  with pytest.raises(ValueError, match="noise_std"):
    theory.DeconvolutionRD(atoms_1d, 0.0)
  rd = theory.DeconvolutionRD(atoms_1d, NOISE_STD)
  with pytest.raises(ValueError, match="distortion"):
    rd.rate([0.0, 0.1])
  with pytest.raises(ValueError, match="lambda must be positive"):
    rd.point(-1.0)
