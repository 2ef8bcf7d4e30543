"""k-means (k-means++ seeding, then Lloyd iterations) in numpy, for initialising mixture priors.

Without a decoder the latent of the beta-VAE lives in data space (y = z), so a mixture prior
can start where the data's clusters are: component means at the centroids, scales at the
clusters' spread, weights at their sizes. Every step is vectorized over samples and centroids
(one `[N, k]` distance matrix per iteration); the result is deterministic given `seed`.
"""

import dataclasses

import numpy as np

# Lower bound on a cluster's per-coordinate std, as a fraction of the data's overall std, so
# an initial mixture component is never degenerate (a singleton cluster has zero spread).
_MIN_RELATIVE_STD = 1e-2


@dataclasses.dataclass(frozen=True)
class Clusters:
  """k clusters of `[N, d]` data.

  Attributes:
    centroids: `[k, d]` cluster means.
    stds: `[k, d]` per-coordinate std of each cluster's members around its centroid (at least
      1% of the data's std).
    weights: `[k]` fractions of the samples in each cluster (sum to 1; > 0).
    inertia: mean squared distance of a sample to its centroid (summed over coordinates).
  """
  centroids: np.ndarray
  stds: np.ndarray
  weights: np.ndarray
  inertia: float


def _squared_distances(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
  """`[N, d]`, `[k, d]` -> `[N, k]` squared Euclidean distances (clipped at 0)."""
  return np.maximum(np.sum(x**2, 1)[:, None] - 2.0 * x @ centroids.T
                    + np.sum(centroids**2, 1)[None, :], 0.0)


def _plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
  """k-means++ seeding: each next centroid drawn with probability proportional to the squared
  distance to the nearest centroid so far (Arthur & Vassilvitskii 2007)."""
  centroids = [x[rng.integers(len(x))]]
  nearest = _squared_distances(x, centroids[0][None])[:, 0]
  for _ in range(1, k):
    total = nearest.sum()
    if total <= 0:  # Fewer distinct points than k: repeat one; Lloyd keeps it as a duplicate.
      index = rng.integers(len(x))
    else:
      index = rng.choice(len(x), p=nearest / total)
    centroids.append(x[index])
    nearest = np.minimum(nearest, _squared_distances(x, x[index][None])[:, 0])
  return np.stack(centroids)


def kmeans(x, k: int, iterations: int = 30, restarts: int = 8, seed: int = 0) -> Clusters:
  """Clusters the rows of `x` `[N, d]` into k groups: the best (least inertia) of `restarts`.

  Each restart: k-means++ seeding, then at most `iterations` Lloyd steps (stopping early once
  no assignment changes). Lloyd's steps only reach a local optimum, and one seeding often
  puts two centroids in one cluster and one between two; restarts make that unlikely. A
  cluster that loses all its members is re-seeded at the sample farthest from its centroid,
  so all k clusters are non-empty when N >= k.

  Raises:
    ValueError: for a non-2-D or non-finite `x`, or k outside [1, N].
  """
  x = np.asarray(x, np.float64)
  if x.ndim != 2 or x.shape[0] == 0 or not np.all(np.isfinite(x)):
    raise ValueError(f"kmeans needs a non-empty finite [N, d] array, got shape {x.shape}")
  k = int(k)
  if not 1 <= k <= x.shape[0]:
    raise ValueError(f"kmeans needs 1 <= k <= N = {x.shape[0]}, got k = {k}")
  rng = np.random.default_rng(seed)
  runs = [_lloyd(x, k, iterations, rng) for _ in range(max(1, int(restarts)))]
  return min(runs, key=lambda clusters: clusters.inertia)


def _lloyd(x: np.ndarray, k: int, iterations: int, rng: np.random.Generator) -> Clusters:
  """One k-means++ seeding followed by Lloyd steps."""
  centroids = _plus_plus(x, k, rng)
  assignment = None
  for _ in range(max(1, int(iterations))):
    distances = _squared_distances(x, centroids)
    new_assignment = np.argmin(distances, axis=1)
    counts = np.bincount(new_assignment, minlength=k)
    for empty in np.flatnonzero(counts == 0):  # Rare; at most k re-seeds per iteration.
      farthest = int(np.argmax(distances[np.arange(len(x)), new_assignment]))
      new_assignment[farthest] = empty
      distances[farthest] = 0.0
      counts = np.bincount(new_assignment, minlength=k)
    sums = np.zeros_like(centroids)
    np.add.at(sums, new_assignment, x)
    centroids = sums / counts[:, None]
    if assignment is not None and np.array_equal(assignment, new_assignment):
      break
    assignment = new_assignment
  assignment = np.argmin(_squared_distances(x, centroids), axis=1)
  counts = np.maximum(np.bincount(assignment, minlength=k), 1)
  residual = x - centroids[assignment]
  variances = np.zeros_like(centroids)
  np.add.at(variances, assignment, residual**2)
  floor = _MIN_RELATIVE_STD * np.sqrt(np.mean(np.var(x, axis=0)))
  stds = np.maximum(np.sqrt(variances / counts[:, None]), max(floor, 1e-12))
  return Clusters(centroids=centroids, stds=stds, weights=counts / counts.sum(),
                  inertia=float(np.mean(np.sum(residual**2, axis=1))))
