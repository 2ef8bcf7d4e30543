"""k-means finds well-separated clusters, their spreads and sizes; bad input is refused."""

import numpy as np
import pytest

from rdbounds.upper import kmeans


def _blobs(seed=0):
  """Four clusters in 3-d, 10 apart, std 0.3, sizes 100, 200, 300, 400."""
  rng = np.random.default_rng(seed)
  centers = 10.0 * np.eye(4, 3)
  sizes = [100, 200, 300, 400]
  x = np.concatenate([c + 0.3 * rng.standard_normal((s, 3)) for c, s in zip(centers, sizes)])
  return x[rng.permutation(len(x))], centers, np.array(sizes) / sum(sizes)


def test_kmeans_recovers_separated_clusters_their_stds_and_weights():
  x, centers, weights = _blobs()
  clusters = kmeans.kmeans(x, 4, seed=1)
  # Match each true center to its nearest centroid: a bijection, within a few standard errors.
  match = np.argmin(np.linalg.norm(centers[:, None] - clusters.centroids[None], axis=-1), axis=1)
  assert sorted(match) == [0, 1, 2, 3]
  np.testing.assert_allclose(clusters.centroids[match], centers, atol=0.1)
  np.testing.assert_allclose(clusters.weights[match], weights, atol=1e-9)
  np.testing.assert_allclose(clusters.stds[match], 0.3, rtol=0.2)
  assert clusters.inertia == pytest.approx(3 * 0.09, rel=0.15)


def test_kmeans_is_deterministic_given_the_seed():
  x, _, _ = _blobs()
  a, b = kmeans.kmeans(x, 6, seed=3), kmeans.kmeans(x, 6, seed=3)
  np.testing.assert_array_equal(a.centroids, b.centroids)


def test_kmeans_keeps_every_cluster_non_degenerate_with_repeated_points():
  x = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 50, axis=0)  # two distinct points, k = 3
  clusters = kmeans.kmeans(x, 3, seed=0)
  assert np.all(clusters.weights > 0) and np.all(clusters.stds > 0)
  assert clusters.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("x, k, message", [
    (np.zeros((5,)), 2, "finite"), (np.full((5, 2), np.nan), 2, "finite"),
    (np.zeros((5, 2)), 6, "k <= N"), (np.zeros((5, 2)), 0, "k <= N")])
def test_kmeans_refuses_bad_input(x, k, message):
  with pytest.raises(ValueError, match=message):
    kmeans.kmeans(x, k)
