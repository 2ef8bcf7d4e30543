"""Where the evaluation search's climbs run: in this process, or spread over Dask workers.

The exhaustive search climbs from every one of the k samples, each climb against all k
(`exhaustive`). The climbs are independent but for pruning, which compares a start with the
best value its own search has reached. With a `Spread` of W workers, `exhaustive.find_mode`
partitions the starts into W contiguous parts, climbs each part on a worker against all k
samples (`exhaustive.climb_part`), gathers the parts' candidates and evaluates them again in
float64 in the caller, exactly as the one-process search evaluates its own candidates.

What is the same, and what is not. Every candidate is a point the climbs reached, re-scored
in float64 with its proven error bound, so the spread log C_k is at least log f at each of
its candidates, as the one-process one is (proven either way). A part prunes only against
its own best value, so it may go on climbing a start the one-process search pruned: it
finds a superset of candidates up to the float rounding of the climbs (a matmul's blocking
can depend on how many rows it has), and where pruning kept the sup both report the same
log C_k to float rounding (measured: `spread_test`, 2 local workers). Each worker holds all
k lifted samples (k x (p + 1) float64: 270 MB at k = 131072, p = 256), shipped once per draw.

Cost: each part costs (k / W) x k x d per sweep and a part prunes a little less than the
whole, so W workers on W machines cut a draw's search about W-fold; on one machine the
workers share its cores, and TensorFlow already uses all of them in one process
(docs/estimators.md, "The lower bound's mode search: cost per draw").

A job that runs on a Dask worker (`--dask=local:N` or `tcp://HOST:PORT`, as sweeps take)
spreads its evaluation's search over the cluster's workers (`current`); elsewhere it runs in
its own process.
"""

from typing import Callable, List, Optional, Sequence


class InProcess:
  """Every part in this process, one after another."""
  workers = 1

  def map(self, fn: Callable, parts: Sequence, **shared) -> List:
    return [fn(part, **shared) for part in parts]


IN_PROCESS = InProcess()


class OnDask:
  """Parts on the workers of a Dask cluster.

  Args:
    client: a `distributed.Client`; None: the cluster of the Dask worker this runs on (its
      task secedes while the parts run, so the worker can take one of them).
  """

  def __init__(self, client=None):
    self.client = client

  @property
  def workers(self) -> int:
    if self.client is not None:
      return len(self.client.scheduler_info()["workers"])
    from dask import distributed  # pylint: disable=g-import-not-at-top
    return len(distributed.get_client().scheduler_info()["workers"])

  def map(self, fn: Callable, parts: Sequence, **shared) -> List:
    if self.client is not None:
      return _submit(self.client, fn, parts, shared)
    from dask import distributed  # pylint: disable=g-import-not-at-top
    with distributed.worker_client() as client:
      return _submit(client, fn, parts, shared)


def _submit(client, fn, parts, shared) -> List:
  # The shared arrays go to every worker once, not once per part. Each under a key of its
  # own (hash=False): two jobs of a sweep scattering equal values would otherwise share one
  # key, and the first to finish releases it while the other's broadcast is under way
  # (distributed's replicate then raises KeyError; seen in the demo run with --dask=local:2).
  scattered = {name: client.scatter(value, broadcast=True, hash=False)
               for name, value in shared.items()}
  futures = [client.submit(fn, part, **scattered, pure=False) for part in parts]
  return client.gather(futures)


def current() -> "InProcess | OnDask":
  """`OnDask()` when this runs inside a Dask worker (a sweep's job on `--dask`), else
  `IN_PROCESS`."""
  try:
    from dask import distributed  # pylint: disable=g-import-not-at-top
    distributed.get_worker()
  except (ImportError, ValueError):
    return IN_PROCESS
  return OnDask()


def parts(num_starts: int, workers: int) -> List:
  """`workers` contiguous `[S_w]` int32 index ranges covering 0..num_starts-1 (sizes differ by
  at most one; a draw's samples are i.i.d., so contiguous parts are as alike as any)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  return [part.astype(np.int32) for part in
          np.array_split(np.arange(num_starts), max(1, min(workers, num_starts)))]


Spread = Optional["InProcess | OnDask"]
