"""The evaluation's k for the rate: no lower-bound line pinned under its ln k ceiling.

Every xi from draws of k samples is at most ln k (docs/method.md, "The ln k ceiling"), and
the finite-k bias of C_k grows as F(lambda) approaches it, so where the upper side's
R + lambda D is near ln k a line says more about k than about R(D) (GAN d = 4, lambda 2000:
the upper side at 15.2 nats, ln 32768 = 10.4). With `max_eval_k` set (the GAN images'
default: 131072), an untrained particle log u compares the L_BA of its own WGD particles, an
estimate of the upper side's R + lambda D on training samples, with `HEADROOM` ln k:

  * below: the preset's k;
  * above: the largest k that `max_eval_k` and the time allow, i.e. what the cost model
    below fits, on this machine, in `PLANNED_SHARE` of what the job's `JOB_SECONDS` leave
    for the evaluation (`affordable_k`), never below the preset's k: past the smallest k
    whose HEADROOM ln k clears the upper side (`needed_k`) more k still tightens the line;
  * still above there: the evaluation runs at that k, and the log names the k that would
    clear it and how many workers (`--dask`, `search.spread`) would keep a job within its
    budget by the cost model.

Validity does not depend on k or on this choice (any k gives a valid line); the choice uses
training samples only. Clearing the ceiling is needed for a tight line, not enough for one
(measured on GAN images: docs/estimators.md, "The evaluation k for the rate"); the warning
says so.

Cost model (seconds per draw, GAN images through 256 principal coordinates): draw + lift +
log u scale with k, the search with k^2 (every start against the blocks of samples near it,
a share of all k that the landscape sets, a few sweeps before pruning takes over) and,
spread, with k^2 / W:

    seconds(k, W) = DRAW_PROBES_PER_SAMPLE t_draw k + SEARCH_PROBES_PER_PAIR t_pair k^2 / W

t_draw and t_pair are the machine's own probes (`machine_speed`): two 2-core machines of
the same kind here drew GAN images 4.6x apart and searched about 6x apart, so seconds
fitted on one would not price a job on the other. A job also times its own search of 16384
training samples (`machine_speed.search_pair_seconds`); where it has, that price per pair
replaces SEARCH_PROBES_PER_PAIR t_pair, since the blocked search's cost depends on the
landscape (at GAN d = 2, lambda 4000 about a quarter of d = 4, lambda 1000's per pair). A
raised k therefore depends on the machine (the log names it, the record's ceiling is its
ln k; `--lb_max_eval_k=0` keeps `--lb_eval_k` as given). The two ratios are fitted to one
case, `benchmarks/search_workers.py` at d = 4, lambda 1000, k = 65536 (measured: the
search's share depends on the landscape); docs/estimators.md tabulates them.
"""

import math
from typing import TYPE_CHECKING, NamedTuple, Optional

if TYPE_CHECKING:  # machine_speed loads TensorFlow; flags are built from this module without it
  from rdbounds.lower import machine_speed

# A line is clear of its ceiling where the upper side's R + lambda D is below this share of
# ln k. Measured on GAN images at k = 32768 (docs/results.md, "Higher rates"): lines with the
# upper side at 0.63 and 0.65 ln k closed within 10%; at 0.66 and 0.68 they did not, and
# twice the k (with the floor `particle_log_u.log_floor_near_ceiling` now gives) closed them.
HEADROOM = 0.64
# seconds(k, W) above in probe units, fitted to one draw of GAN images at d = 4, lambda 1000,
# k = 65536, 2 quiet cores (benchmarks/search_workers.py, the probes taken in the same
# process; docs/estimators.md): the draw, log u and the lift took 127 s, 1.42 t_draw per
# sample (1.30 on 2026-12-07); the search, since its steps skip far blocks (`search.blocks`),
# 84 s, 1.69 t_pair per pair (at k = 32768: 1.63; it was 3.81 stepping against every sample).
# The search's ratio is this landscape's: at d = 2, lambda 4000 the blocks skip more.
DRAW_PROBES_PER_SAMPLE = 1.42
SEARCH_PROBES_PER_PAIR = 1.7
# A search of k samples per pair, against the job's own search of the probe's 16384 training
# samples per pair (`machine_speed.search_pair_seconds`). Measured on one GAN draw each
# (blocked search, k = 16384 against 40960): 1.01 at d = 4, lambda 1000 and 0.62 at d = 2,
# lambda 4000 (pruning leaves fewer starts per sample at the larger k).
LANDSCAPE_PROBES_PER_PAIR = 1.0
# What one lower-bound job may take: the 20 minutes on 2 cores. The evaluation gets
# what the job's WGD particles, training pool and projection leave of it.
JOB_SECONDS = 1200.0
# The share of that time left a raised k is planned to fill: one machine's speed moved by up
# to a third within a session (docs/estimators.md), and the probes follow it only roughly.
PLANNED_SHARE = 0.8


def _rounded_up(k: int) -> int:
  """k rounded up to 16 significant binary digits' worth: within 1/16 above it."""
  step = 2 ** max(0, int(k).bit_length() - 5)
  return -(-int(k) // step) * step


def needed_k(upper_side_nats: float) -> int:
  """About the smallest k (within 1/16 above it) whose HEADROOM ln k is at least
  `upper_side_nats`."""
  return _rounded_up(max(2, math.ceil(math.exp(upper_side_nats / HEADROOM))))


def _per_sample_and_pair(speed: "machine_speed.Speed"):
  """The cost model's seconds per sample (a) and per search pair (c) on a machine of `speed`:
  c from the job's own search where it was probed, else from the fixed pair probe."""
  if speed.search_pair_seconds is not None:
    c = LANDSCAPE_PROBES_PER_PAIR * speed.search_pair_seconds
  else:
    c = SEARCH_PROBES_PER_PAIR * speed.pair_seconds
  return DRAW_PROBES_PER_SAMPLE * speed.draw_seconds_per_sample, c


def seconds_per_draw(k: int, speed: "machine_speed.Speed", workers: int = 1) -> float:
  """The cost model's seconds for one draw of k (module docstring)."""
  a, c = _per_sample_and_pair(speed)
  return a * k + c * k * k / max(1, workers)


def affordable_k(draws: int, budget: float, speed: "machine_speed.Speed") -> int:
  """The largest k (a multiple of 1024, at least 1024) whose `draws` draws fit `budget`
  seconds in one process by the cost model."""
  a, c = _per_sample_and_pair(speed)
  per_draw = max(0.0, budget) / max(1, draws)
  k = (-a + math.sqrt(a * a + 4.0 * c * per_draw)) / (2.0 * c)
  return max(1024, int(k) // 1024 * 1024)


def workers_for(k: int, draws: int, budget: float,
                speed: "machine_speed.Speed") -> Optional[int]:
  """Workers that keep `draws` draws of k within `budget` seconds by the cost model; None
  when the draws alone (drawn in one process) take longer."""
  a, c = _per_sample_and_pair(speed)
  per_draw = budget / draws - a * k
  if per_draw <= 0:
    return None
  return max(1, math.ceil(c * k * k / per_draw))


class Choice(NamedTuple):
  """The evaluation's k, and a line for the log (empty when the preset's k was enough)."""
  k: int
  note: str


def choose(upper_side_nats: float, eval_k: int, max_eval_k: int, draws: int, lmbda: float,
           speed: "machine_speed.Speed", budget: float) -> Choice:
  """The k to evaluate at (module docstring).

  Args:
    upper_side_nats: an estimate of the upper bound's R + lambda D (nats).
    eval_k: the preset's (or user's) evaluation k. max_eval_k: the most it may be raised to.
    draws: draws the evaluation makes (M per group). lmbda: for the log line.
    speed: this machine's probes. budget: seconds the job has left; a raised k is planned
      to fill `PLANNED_SHARE` of them.
  """
  need = needed_k(upper_side_nats)
  if need <= eval_k:
    return Choice(eval_k, "")
  planned = PLANNED_SHARE * budget
  affordable = affordable_k(draws, planned, speed)
  # Past the k its ceiling needs, a larger k still lowers C_k's finite-k bias and the spread
  # of its draws (measured: docs/results.md, "Steps that skip far samples"), so a raised k
  # takes what the time affords.
  k = max(eval_k, min(max_eval_k, affordable))
  ceiling = HEADROOM * math.log(k)
  minutes = draws * seconds_per_draw(k, speed) / 60
  if k >= need:
    return Choice(k, f"lower_bound: lambda={lmbda:g}: the upper side's R + lambda D, about "
                     f"{upper_side_nats:.3g} nats, is above {HEADROOM:g} ln {eval_k}; "
                     f"evaluating at k={k}, {_what_holds(k, eval_k, max_eval_k, affordable)} "
                     f"({HEADROOM:g} ln k = {ceiling:.3g}, from k={need}; about "
                     f"{minutes:.0f} min on this machine by the cost model)")
  workers = workers_for(need, draws, planned, speed)
  spread = (f"about {workers} Dask workers like this machine (--dask=tcp://HOST:PORT) to "
            f"stay within the {budget / 60:.0f} minutes left" if workers
            else "more time than the job has left: drawing the samples alone takes longer")
  return Choice(k, f"warning: lower_bound: lambda={lmbda:g}: the upper side's R + lambda D, "
                   f"about {upper_side_nats:.3g} nats, is above {HEADROOM:g} ln k = "
                   f"{ceiling:.3g} at k={k}, {_what_holds(k, eval_k, max_eval_k, affordable)} "
                   f"(about {minutes:.0f} min on this machine by the cost model, with "
                   f"{budget / 60:.0f} of the job's {JOB_SECONDS / 60:.0f} minutes left); "
                   f"a line clear of its ceiling needs --lb_eval_k={need} (about "
                   f"{seconds_per_draw(need, speed) / 60:.0f} min per draw here by "
                   f"docs/estimators.md's cost model) and {spread}; clear of its ceiling, "
                   f"a line can still be held below the upper bound by its log u (measured: "
                   f"docs/estimators.md, \"The evaluation k for the rate\")")


def _what_holds(k: int, eval_k: int, max_eval_k: int, affordable: int) -> str:
  """Why the evaluation stops at k, below the k its rate needs, for the log."""
  if max_eval_k <= affordable:
    return "the most --lb_max_eval_k (and the held-out data) allow"
  if k > eval_k:
    return "the most the time left affords on this machine"
  return "the preset's k: the time left affords no more on this machine"
