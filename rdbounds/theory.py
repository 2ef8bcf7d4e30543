"""Closed-form rate-distortion results, in nats, with distortion = MSE per dimension.

For a Gaussian source with independent components of variances `s_i^2` (i = 1..n), reverse
water-filling gives, at water level `theta`:

    D_i = min(theta, s_i^2),   D = mean_i D_i,   R = sum_i 1/2 ln(s_i^2 / D_i),

and the R-D curve has slope `-lambda` with `lambda = n / (2 theta)` (for theta below the largest
variance). The intercept `F(lambda) = min_D R(D) + lambda D` is what every lower-bound line
`R >= F(lambda) - lambda D` is compared against.

For a deconvolution source X = Y + N (Y uniform on m atoms in R^n, N ~ N(0, s^2 I_n)) and
D <= s^2, the Shannon lower bound is tight: X is also (atoms * N(0, s^2 - D)) + N(0, D), so the
test channel that adds N(0, D I_n) to a reproduction exists, and

    R(D) = h(X) - n/2 ln(2 pi e D) = I(X; Y) + n/2 ln(s^2 / D),   lambda = n / (2 D),

with h(X) = I(X; Y) + n/2 ln(2 pi e s^2). Below lambda = n / (2 s^2) (D above s^2) there is no
closed form.
"""

import hashlib
import math

import numpy as np


class GaussianRD:
  """R(D) of N(loc, diag(variances)) under MSE per dimension.

  Args:
    variances: `[n]` positive per-component variances.
  """

  def __init__(self, variances):
    variances = np.asarray(variances, np.float64).reshape(-1)
    if variances.size == 0 or not np.all(np.isfinite(variances)) or np.any(variances <= 0):
      raise ValueError("variances must be a non-empty array of positive finite numbers")
    self.variances = variances
    self.n = variances.size

  @property
  def max_distortion(self) -> float:
    """D_max = mean variance: the distortion at rate 0."""
    return float(np.mean(self.variances))

  def _at_theta(self, theta):
    theta = np.asarray(theta, np.float64)[..., None]
    d_i = np.minimum(theta, self.variances)
    distortion = d_i.mean(-1)
    rate = 0.5 * np.log(self.variances / d_i).sum(-1)
    return distortion, rate

  def point(self, lmbda):
    """The (D, R) point where the curve has slope -lmbda. Vectorized over `lmbda` > 0."""
    lmbda = np.asarray(lmbda, np.float64)
    if np.any(lmbda <= 0):
      raise ValueError("lambda must be positive")
    return self._at_theta(self.n / (2.0 * lmbda))

  def intercept(self, lmbda):
    """F(lambda) = min_D R(D) + lambda D, in nats."""
    distortion, rate = self.point(lmbda)
    return rate + np.asarray(lmbda, np.float64) * distortion

  def theta_at(self, distortion):
    """Water level theta giving mean distortion D (0 < D <= D_max). Vectorized."""
    distortion = np.asarray(distortion, np.float64)
    if np.any(distortion <= 0):
      raise ValueError("distortion must be positive")
    # mean_i min(theta, s_i^2) is piecewise linear and increasing in theta: solve exactly
    # on the segment between consecutive sorted variances.
    s = np.sort(self.variances)
    n = self.n
    # At theta = s[j], the mean distortion is (sum_{i<j} s_i + (n - j) s_j) / n.
    cumsum = np.concatenate([[0.0], np.cumsum(s)])
    knots = (cumsum[:-1] + (n - np.arange(n)) * s) / n
    j = np.searchsorted(knots, np.minimum(distortion, knots[-1]), side="left")
    theta = (n * np.minimum(distortion, knots[-1]) - cumsum[j]) / (n - j)
    return np.where(distortion >= knots[-1], s[-1], theta)

  def rate(self, distortion):
    """R(D) in nats; 0 for D >= D_max. Vectorized."""
    distortion = np.asarray(distortion, np.float64)
    _, rate = self._at_theta(self.theta_at(distortion))
    return np.where(distortion >= self.max_distortion, 0.0, rate)


def gaussian_entropy_nats(variances) -> float:
  """Differential entropy of N(., diag(variances)) in nats."""
  variances = np.asarray(variances, np.float64)
  return float(0.5 * np.sum(np.log(2 * math.pi * math.e * variances)))


def shannon_lower_bound(distortion, differential_entropy_nats: float, dim: int):
  """Shannon lower bound R(D) >= h(X) - n/2 ln(2 pi e D), for MSE per dimension D. Nats.

  Clipped at 0, since no rate is negative.
  """
  distortion = np.asarray(distortion, np.float64)
  bound = differential_entropy_nats - 0.5 * dim * np.log(2 * math.pi * math.e * distortion)
  return np.maximum(bound, 0.0)


class NoClosedForm(ValueError):
  """The closed form does not cover this multiplier."""


def deconvolution_mutual_information(atoms, noise_std: float, seed: int = 0,
                                     target_se: float = 1e-4, max_samples: int = 2**22,
                                     chunk: int = 2**15):
  """Monte Carlo estimate of I(X; Y) for X = Y + N, Y uniform on the atoms, N ~ N(0, s^2 I).

  I(X; Y) = ln m - H(Y | X), and H(Y | X) = E_X[H(p(. | X))] with the exact posterior
  p(a_j | x) = softmax_j(-|x - a_j|^2 / (2 s^2)). Each sample contributes the entropy of its
  posterior (bounded by ln m), not a log-likelihood, which keeps the variance small. The draws are
  stratified: every atom is the true Y of the same number of samples, so the between-atom spread
  does not enter the standard error. With x = a_k + s z the logits are
  -(|a_k - a_j|^2 + 2 s z.(a_k - a_j)) / (2 s^2) up to a term common to all j, which avoids
  cancellation when |x| is large. Chunks are drawn until the standard error falls below
  `target_se` or `max_samples` were used.

  Args:
    atoms: `[m, n]` atom positions.
    noise_std: s > 0.
    seed: seed of the numpy generator (the estimate is deterministic given it).
    target_se: stop once the standard error is below this (nats).
    max_samples: cap on the number of samples (rounded up to whole chunks).
    chunk: samples per vectorized step (rounded up to a multiple of m, at least 2 m); the
      step holds `chunk * m` logits, so it shrinks to keep that under 2^22 (32 MB).

  Returns:
    `(mi_nats, standard_error_nats)`.
  """
  atoms = np.asarray(atoms, np.float64)
  m = atoms.shape[0]
  if m == 1:
    return 0.0, 0.0
  per_atom = max(2, -(-min(chunk, 2**22 // m) // m))  # Samples per atom and step.
  rng = np.random.default_rng(seed)
  sq_norms = np.sum(atoms**2, axis=-1)
  sq_dist = np.maximum(sq_norms[:, None] + sq_norms[None, :] - 2.0 * atoms @ atoms.T, 0.0)  # [m, m]
  np.fill_diagonal(sq_dist, 0.0)
  sums, sq_sums, count = np.zeros(m), np.zeros(m), 0                      # per true atom
  while True:
    z = rng.standard_normal((per_atom, m, atoms.shape[1]))                 # [K, m(true), n]
    cross = z @ atoms.T - np.einsum("kin,in->ki", z, atoms)[..., None]    # z.(a_j - a_k)
    logits = -(sq_dist[None] - 2.0 * noise_std * cross) / (2.0 * noise_std**2)
    logits -= logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    total = weights.sum(axis=-1)
    entropy = np.log(total) - np.sum(weights * logits, axis=-1) / total    # [K, m]
    sums += entropy.sum(0)
    sq_sums += np.square(entropy).sum(0)
    count += per_atom
    stratum_var = (sq_sums - sums**2 / count) / (count - 1)
    se = float(np.sqrt(np.maximum(stratum_var, 0.0).sum() / count) / m)
    if se <= target_se or count * m >= max_samples:
      return float(math.log(m) - sums.sum() / (count * m)), se


# (atoms_digest, noise_std, seed) -> (mi_nats, se_nats): each estimate is computed once per process.
_MUTUAL_INFORMATION_CACHE = {}


def atoms_digest(atoms) -> str:
  """Short hex digest of a `[m, n]` float64 atom array: names a set of atoms in configs."""
  atoms = np.ascontiguousarray(atoms, np.float64)
  return hashlib.sha256(repr(atoms.shape).encode() + atoms.tobytes()).hexdigest()[:16]


class DeconvolutionRD:
  """R(D) of X = Y + N, Y uniform on `m` atoms in R^n, N ~ N(0, s^2 I_n), under MSE per dimension.

  Exact for D <= s^2, i.e. lambda >= `min_lambda` = n / (2 s^2):
  `R(D) = I(X; Y) + n/2 ln(s^2 / D)` nats, with I(X; Y) by Monte Carlo
  (`deconvolution_mutual_information`, standard error `mutual_information_se`, computed once per
  atoms, s and seed and cached).

  Args:
    atoms: `[m, n]` atom positions.
    noise_std: s > 0.
    mc_seed: seed of the Monte Carlo estimate of I(X; Y).
  """

  def __init__(self, atoms, noise_std: float, mc_seed: int = 0):
    atoms = np.array(atoms, np.float64)
    if atoms.ndim != 2 or atoms.size == 0 or not np.all(np.isfinite(atoms)):
      raise ValueError(f"atoms must be a non-empty finite [m, n] array, got shape {atoms.shape}")
    if not (math.isfinite(noise_std) and noise_std > 0):
      raise ValueError(f"noise_std must be positive and finite, got {noise_std}")
    atoms.setflags(write=False)
    self.atoms = atoms
    self.m, self.n = atoms.shape
    self.noise_std = float(noise_std)
    self.mc_seed = int(mc_seed)

  @property
  def noise_variance(self) -> float:
    return self.noise_std**2

  @property
  def min_lambda(self) -> float:
    """n / (2 s^2): the smallest multiplier with a closed form (there D = s^2)."""
    return self.n / (2.0 * self.noise_variance)

  @property
  def max_distortion(self) -> float:
    """D_max = E|X - E X|^2 / n = s^2 + mean per-dim variance of the atoms: R = 0 from here on."""
    return float(self.noise_variance + np.mean(np.var(self.atoms, axis=0)))

  def _mutual_information(self):
    key = (atoms_digest(self.atoms), self.noise_std, self.mc_seed)
    if key not in _MUTUAL_INFORMATION_CACHE:
      _MUTUAL_INFORMATION_CACHE[key] = deconvolution_mutual_information(
          self.atoms, self.noise_std, seed=self.mc_seed)
    return _MUTUAL_INFORMATION_CACHE[key]

  @property
  def mutual_information_nats(self) -> float:
    """I(X; Y) in nats (Monte Carlo; see `mutual_information_se`)."""
    return self._mutual_information()[0]

  @property
  def mutual_information_se(self) -> float:
    """Standard error of `mutual_information_nats` (nats); it carries over to R and F."""
    return self._mutual_information()[1]

  @property
  def rate_se(self) -> float:
    """Standard error of every rate and intercept (that of the Monte Carlo I(X;Y)), nats."""
    return self.mutual_information_se

  @property
  def differential_entropy_nats(self) -> float:
    """h(X) = I(X; Y) + h(N) = I(X; Y) + n/2 ln(2 pi e s^2)."""
    return self.mutual_information_nats + gaussian_entropy_nats(np.full(self.n, self.noise_variance))

  def point(self, lmbda):
    """The (D, R) point where the curve has slope -lmbda: D = n / (2 lmbda). Vectorized.

    Raises:
      NoClosedForm: if some lmbda < `min_lambda`.
    """
    lmbda = np.asarray(lmbda, np.float64)
    if np.any(~(lmbda > 0)):
      raise ValueError("lambda must be positive")
    # A relative slack of 1e-12 so that lambda = n / (2 s^2) typed in decimal is not refused.
    if np.any(lmbda < self.min_lambda * (1 - 1e-12)):
      raise NoClosedForm(
          f"no closed form below lambda = n/(2 s^2) = {self.min_lambda:.6g} "
          f"(here lambda = {float(np.min(lmbda)):.6g})")
    distortion = self.n / (2.0 * lmbda)
    return distortion, self._rate(distortion)

  def intercept(self, lmbda):
    """F(lambda) = min_D R(D) + lambda D = I + n/2 ln(s^2 / D) + n/2 at D = n / (2 lambda). Nats."""
    distortion, rate = self.point(lmbda)
    return rate + np.asarray(lmbda, np.float64) * distortion

  def _rate(self, distortion):
    return self.mutual_information_nats + 0.5 * self.n * np.log(self.noise_variance / distortion)

  def rate(self, distortion):
    """R(D) in nats for D <= s^2, NaN on (s^2, D_max) (no closed form), 0 from D_max. Vectorized."""
    distortion = np.asarray(distortion, np.float64)
    if np.any(~(distortion > 0)):
      raise ValueError("distortion must be positive")
    with np.errstate(divide="ignore", invalid="ignore"):
      rate = self._rate(distortion)
    return np.where(distortion <= self.noise_variance, rate,
                    np.where(distortion >= self.max_distortion, 0.0, np.nan))
