"""How fast this machine does the two kinds of work in a lower-bound evaluation draw.

A draw of k samples costs drawing them (and log u, and the lift: ~k) and the exhaustive mode
search (~k^2; `eval_k`'s cost model). Two 2-core machines of the same kind here differed
4.6x at drawing GAN images and about 6x at the search (docs/estimators.md, "Cost per draw,
and what k buys"), so seconds fitted on one machine do not price a job on another. This
module times one small piece of each kind, the same fixed work on any machine, and on
request the job's own search; `eval_k` holds the cost model in units of these probes.

  * `draw_seconds_per_sample`: drawing `DRAW_PROBE_SAMPLES` training samples from the
    source, after one call that compiles (the source's own generator, so a larger image or
    another generator is priced as it is).
  * `pair_seconds`: one mean-shift step (`search.mean_shift.step`, the search's inner loop)
    of `PAIR_PROBE_POINTS` points against `PAIR_PROBE_SAMPLES` samples in
    `PAIR_PROBE_COORDINATES` coordinates, float32, per (point, sample) pair.

  * `search_pair_seconds` (optional): the job's own exhaustive search (its log u, lift and
    options) of `LANDSCAPE_PROBE_SAMPLES` training samples, per (start, sample) pair. The
    blocked search's cost depends on the landscape (how many samples lie near each start:
    at GAN d = 2, lambda 4000 a quarter of what d = 4, lambda 1000 keeps), which the fixed
    pair probe cannot see.

Each is the least of a few timings (the one least disturbed by other work; the pair probe,
0.1-0.2 s a call, takes more of them). Measured, not proven: a probe of about ten seconds
stands in for a job of minutes, and two probes on one machine differ by up to about 20%.
"""

import time
from typing import Callable, NamedTuple, Optional

import tensorflow as tf

from rdbounds import streams
from rdbounds.lower.search import mean_shift

DRAW_PROBE_SAMPLES = 2048
PAIR_PROBE_POINTS = 512  # the search's chunk of starts
PAIR_PROBE_SAMPLES = 16384
PAIR_PROBE_COORDINATES = 256  # the image presets' principal coordinates
LANDSCAPE_PROBE_SAMPLES = 16384
DRAW_REPEATS = 3
PAIR_REPEATS = 9
LANDSCAPE_REPEATS = 1


class Speed(NamedTuple):
  """Seconds this machine takes per unit of each kind of work (module docstring)."""
  draw_seconds_per_sample: float
  pair_seconds: float
  search_pair_seconds: Optional[float] = None


def _least_seconds(work, repeats: int) -> float:
  """The least wall time of `repeats` calls of `work` (after one call that compiles)."""
  work()
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    work()
    times.append(time.perf_counter() - start)
  return min(times)


def draw_seconds_per_sample(source, seed: int = 0) -> float:
  """Seconds per training sample drawn from `source` (a `base.Source`)."""
  def draw():
    return source.sample(DRAW_PROBE_SAMPLES, seed=(seed, streams.SPEED_PROBE),
                         split="train").numpy()
  return _least_seconds(draw, DRAW_REPEATS) / DRAW_PROBE_SAMPLES


def pair_seconds() -> float:
  """Seconds per (point, sample) pair of one mean-shift step, float32."""
  generator = tf.random.Generator.from_seed(0)
  x = generator.normal([PAIR_PROBE_SAMPLES, PAIR_PROBE_COORDINATES])
  log_w = tf.zeros([PAIR_PROBE_SAMPLES])
  form = mean_shift.Form.build(x, log_w, tf.constant(1.0 / PAIR_PROBE_COORDINATES), gram=False)
  positions = x[:PAIR_PROBE_POINTS]
  step = tf.function(lambda: mean_shift.step(form, positions).log_value)
  return (_least_seconds(lambda: step().numpy(), PAIR_REPEATS)
          / (PAIR_PROBE_POINTS * PAIR_PROBE_SAMPLES))


def search_pair_seconds(search: Callable[[], object], k: int) -> float:
  """Seconds per (start, sample) pair of `search`, the job's own exhaustive search of k
  training samples, prepared (log u and the lift done): only the search is timed."""
  return _least_seconds(search, LANDSCAPE_REPEATS) / k**2


def measure(source, seed: int = 0) -> Speed:
  """Both probes on this machine, for draws from `source`."""
  return Speed(draw_seconds_per_sample(source, seed), pair_seconds())
