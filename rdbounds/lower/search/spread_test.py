"""The evaluation search spread over Dask workers gives the one-process search's log C_k, and
a float32 search too coarse to converge is run again in float64 rather than failing a draw."""

import math

import numpy as np
import pytest
import tensorflow as tf

from rdbounds.lower import config as lower_config
from rdbounds.lower.search import cases
from rdbounds.lower.search import exhaustive
from rdbounds.lower.search import projection
from rdbounds.lower.search import spread
from rdbounds.lower.search.options import SearchOptions


@pytest.fixture(scope="module")
def two_workers():
  distributed = pytest.importorskip("dask.distributed")
  cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None)
  client = distributed.Client(cluster)
  yield spread.OnDask(client)
  client.close()
  cluster.close()


@pytest.mark.parametrize("kind,n", [("random", 16), ("network", 8), ("optimal", 4)])
def test_two_workers_give_the_one_process_log_c_k(two_workers, kind, n):
  # Rough (random: nearly every sample its own mode) and flat (optimal u) landscapes, where
  # pruning does most and least; each worker climbs half the starts against all 1024.
  x, log_w, lmbda = cases.case(kind, 1024, n, seed=3)
  one = exhaustive.find_mode(x, log_w, lmbda)
  two = exhaustive.find_mode(x, log_w, lmbda, spread=two_workers)
  assert two_workers.workers == 2
  assert int(two.num_starts) == 1024 and int(two.unconverged) == 0
  # The same sup, to float rounding (the climbs' chunks differ, hence their matmuls' rounding).
  np.testing.assert_allclose(float(two.log_c), float(one.log_c), rtol=0, atol=1e-9)


def test_two_workers_through_a_projection(two_workers):
  # The image presets' path: C_k's upper bound from lifted samples, spread, by their search
  # (whose steps skip far blocks: each worker's part is a run of blocks in tree order).
  rng = np.random.default_rng(0)
  x = rng.normal(size=(512, 48)) * np.linspace(1.0, 0.05, 48)
  log_w = rng.normal(size=512) * 0.3 - math.log(512)
  lift = projection.Projection.principal(rng.normal(size=(2048, 48)) * np.linspace(1.0, 0.05, 48),
                                         (8,))
  options = lower_config.IMAGE_SEARCH
  one = projection.find_mode(x, log_w, 96.0, lift, options)
  two = projection.find_mode(x, log_w, 96.0, lift, options, spread=two_workers)
  np.testing.assert_allclose(float(two.log_c), float(one.log_c), rtol=0, atol=1e-9)


def _sum_part(part, flag, weights):
  return float(part.sum()) + float(flag) + float(weights.sum())


def _spread_job(repeats):
  # As a sweep's job on a worker does: spread over the cluster it runs on.
  on_cluster = spread.OnDask()
  return [sum(on_cluster.map(_sum_part, spread.parts(100, 2), flag=True, weights=np.ones(4)))
          for _ in range(repeats)]


def test_two_jobs_spreading_equal_values_at_once_both_finish(two_workers):
  # Two jobs of a sweep (one per worker) scatter equal values at the same time. Under a key
  # derived from the value they shared one key, and the first job to release it broke the
  # other's broadcast (KeyError in distributed's replicate; both jobs failed within a few
  # repeats when this was written).
  client = two_workers.client
  futures = [client.submit(_spread_job, 20, pure=False) for _ in range(2)]
  # 0 + ... + 99 over the two parts, plus the flag, plus 4 per part.
  assert client.gather(futures) == [[4950.0 + 2 * (1.0 + 4.0)] * 20] * 2


def test_parts_cover_every_start_once_in_balanced_pieces():
  parts = spread.parts(10, 3)
  assert [len(p) for p in parts] == [4, 3, 3]
  np.testing.assert_array_equal(np.concatenate(parts), np.arange(10))
  assert len(spread.parts(2, 8)) == 2  # no empty part


def test_a_float32_search_too_coarse_to_converge_runs_again_in_float64():
  # One sample 1e4 away: centred, the others sit ~78 from the origin, and at lambda = 1000
  # float32's expanded distances are off by more than the steps, so its climbs never settle.
  rng = np.random.default_rng(0)
  x = rng.normal(size=(128, 2))
  x[0] = [1e4, 0.0]
  log_w = rng.normal(size=128) - math.log(128)
  float64 = exhaustive.find_mode(x, log_w, 1e3, options=SearchOptions(max_float32_error=1e-30,
                                                                       max_iterations=300))
  forced = exhaustive.find_mode(x, log_w, 1e3, options=SearchOptions(max_float32_error=1e9,
                                                                     max_iterations=300))
  # Without the fallback the draw would fail: float32 alone leaves starts moving at the cap.
  centred = tf.constant(x - x.mean(0), tf.float32)
  options = SearchOptions(max_iterations=300)
  limits = exhaustive._Limits.of(options, tf.float32)  # pylint: disable=protected-access
  _, _, unconverged = exhaustive._search(  # pylint: disable=protected-access
      centred, tf.constant(log_w, tf.float32), tf.constant(1e3 / 2, tf.float32),
      tf.range(128), limits, False)
  assert int(unconverged) > 0
  assert bool(float64.float64) and int(float64.unconverged) == 0
  # ... with it, the search reports the float64 search's log C_k.
  assert bool(forced.float64) and int(forced.unconverged) == 0
  np.testing.assert_allclose(float(forced.log_c), float(float64.log_c), rtol=0, atol=1e-12)
