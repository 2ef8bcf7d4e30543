"""Mixtures on which the mode search is tested and timed: rough, flat and network-shaped.

Each case is `(x [k, n] float32, log_w [k] float32, lambda)` for `exhaustive.find_mode`:
  * "random": samples of N(0, I_n), i.i.d. N(0, 1) log weights, lambda = 2 (beta = 2 / n,
    neighbouring kernels overlap): a rough landscape, many samples their own mode.
  * "optimal": samples of a Gaussian with `ACTIVE` unit-variance coordinates and the rest of
    small variance (total 0.09), and the optimal u of its rate-distortion problem at
    lambda = 2 n (beta = 2). Then E_X[exp(-lambda rho(X, y)) / u(X)] = 1 wherever the optimal
    reproduction lives, so f is flat up to sampling noise: the landscape of a well-trained
    log u, where mean-shift crawls.
  * "network": the same samples, log u a randomly initialized MLP (3 x 200 softplus, as
    the presets' log u).
"""

import math

import numpy as np

KINDS = ("random", "optimal", "network")
ACTIVE = 4


def low_rank_scales(n: int) -> np.ndarray:
  """`[n]` standard deviations: 1 in the first `ACTIVE` coordinates, the rest sum to 0.09."""
  rest = max(n - ACTIVE, 1)
  return np.where(np.arange(n) < ACTIVE, 1.0, 0.3 / math.sqrt(rest))


def optimal_log_inverse_u(x, scales, lmbda):
  """`[k]` -log u*(x) (nats) of the optimal u for N(0, diag(scales^2)) at lambda, rho = MSE.

  The optimal reproduction is N(0, diag(s^2)), s_j^2 = max(0, scales_j^2 - 1 / (2 beta))
  (reverse water-filling, beta = lambda / n), and u*(x) = E_Y exp(-beta |x - Y|^2) factorizes:
  -log u*(x) = sum_j [log(1 + 2 beta s_j^2) / 2 + beta x_j^2 / (1 + 2 beta s_j^2)].
  """
  x = np.asarray(x, np.float64)
  beta = lmbda / x.shape[1]
  s2 = np.maximum(0.0, scales**2 - 1.0 / (2.0 * beta))
  spread = 1.0 + 2.0 * beta * s2
  return np.sum(0.5 * np.log(spread) + beta * x**2 / spread, axis=1)


def random_network(x, rng, widths=(200, 200, 200)):
  """`[k]` outputs of an MLP with softplus hidden layers and Glorot-uniform weights."""
  h = np.asarray(x, np.float64)
  for width in tuple(widths) + (1,):
    limit = math.sqrt(6.0 / (h.shape[1] + width))
    h = h @ rng.uniform(-limit, limit, size=(h.shape[1], width))
    if width != 1:
      h = np.logaddexp(0.0, h)
  return h[:, 0]


def case(kind: str, k: int, n: int, seed: int = 0):
  """`(x, log_w, lmbda)` of one landscape (see the module docstring)."""
  rng = np.random.default_rng(seed)
  if kind == "random":
    x = rng.normal(size=(k, n))
    return (x.astype(np.float32), (rng.normal(size=k) - math.log(k)).astype(np.float32),
            2.0)
  scales = low_rank_scales(n)
  x = (rng.normal(size=(k, n)) * scales).astype(np.float32)
  lmbda = 2.0 * n
  if kind == "optimal":
    log_inverse_u = optimal_log_inverse_u(x, scales, lmbda)
  elif kind == "network":
    log_inverse_u = -random_network(x, rng)
  else:
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
  return x, (log_inverse_u - math.log(k)).astype(np.float32), lmbda
