"""The evaluation k for the rate: raised where the upper side nears HEADROOM ln k, to its
cap or what a job's budget affords, with a line naming the k and workers beyond; the workers
and the k the cost model names do fit the budget."""

import math

from rdbounds.lower import eval_k
from rdbounds.lower import machine_speed

# The probes of this session's machine (docs/estimators.md) and of one five times as fast.
SLOW = machine_speed.Speed(draw_seconds_per_sample=1.36e-3, pair_seconds=1.43e-8)
FAST = machine_speed.Speed(SLOW.draw_seconds_per_sample / 5, SLOW.pair_seconds / 5)


def test_needed_k_clears_the_upper_side_and_overshoots_by_at_most_a_sixteenth():
  for nats in (0.3, 3.0, 7.9, 8.6, 12.0, 15.2):
    k = eval_k.needed_k(nats)
    least = math.exp(nats / eval_k.HEADROOM)
    assert eval_k.HEADROOM * math.log(k) >= nats
    assert k <= max(2, least) * (1 + 1 / 16) + 1
  # GAN d = 2, lambda 5000: the upper side at 7.1 nats needs ln k >= 11.1, k near 65000.
  assert 65_000 < eval_k.needed_k(7.1) < 70_000


def test_k_is_raised_up_to_its_caps_and_named_beyond_them():
  draws, budget = 6, 1080.0
  assert eval_k.choose(5.0, 32768, 65536, draws, 300.0, FAST, budget) == (32768, "")
  # exp(6.86/.64) = 45195 clears the ceiling; the time left affords more, and it is taken.
  twice = machine_speed.Speed(SLOW.draw_seconds_per_sample / 2, SLOW.pair_seconds / 2)
  raised = eval_k.choose(6.86, 32768, 131072, draws, 4000.0, twice, budget)
  affordable = eval_k.affordable_k(draws, eval_k.PLANNED_SHARE * budget, twice)
  assert eval_k.needed_k(6.86) < affordable < 131072 and raised.k == affordable
  assert f"evaluating at k={raised.k}" in raised.note and "time left" in raised.note
  assert f"from k={eval_k.needed_k(6.86)}" in raised.note
  capped = eval_k.choose(8.2, 32768, 65536, draws, 500.0, FAST, budget)  # needs 367k
  assert capped.k == 65536
  assert capped.note.startswith("warning:") and "\n" not in capped.note
  assert f"--lb_eval_k={eval_k.needed_k(8.2)}" in capped.note
  assert "the most --lb_max_eval_k" in capped.note  # the cap held it, not the time
  # The user's own --lb_max_eval_k binds too; below the preset's k nothing is lowered.
  assert eval_k.choose(8.2, 32768, 40960, draws, 500.0, FAST, budget).k == 40960
  assert eval_k.choose(8.2, 32768, 0, draws, 500.0, FAST, budget).k == 32768


def test_a_slower_machine_or_less_time_left_raises_k_less_never_below_the_preset():
  draws = 12
  fast = eval_k.choose(7.1, 32768, 65536, draws, 5000.0, FAST, 1080.0)
  slow = eval_k.choose(7.1, 32768, 65536, draws, 5000.0, SLOW, 1080.0)
  late = eval_k.choose(7.1, 32768, 65536, draws, 5000.0, FAST, 300.0)
  assert fast.k == 65536  # needs about 65536: the fast machine affords it in 18 minutes
  assert slow.k < fast.k and late.k < fast.k
  assert draws * eval_k.seconds_per_draw(slow.k, SLOW) <= 1080.0 or slow.k == 32768
  assert slow.note.startswith("warning:") and "the time left" in slow.note
  assert eval_k.choose(7.1, 32768, 65536, draws, 5000.0, SLOW, -60.0).k == 32768


def test_what_the_model_affords_and_the_workers_it_names_fit_the_budget():
  draws, budget = 6, 1080.0
  for speed in (SLOW, FAST):
    k = eval_k.affordable_k(draws, budget, speed)
    assert draws * eval_k.seconds_per_draw(k, speed) <= budget
    assert draws * eval_k.seconds_per_draw(k + 1024, speed) > budget
    for k in (65536, 131072, 196608):
      workers = eval_k.workers_for(k, draws, budget, speed)
      if workers is None:  # drawing alone overruns the budget
        assert draws * eval_k.seconds_per_draw(k, speed, workers=10**9) > budget
        continue
      assert draws * eval_k.seconds_per_draw(k, speed, workers) <= budget
      if workers > 1:
        assert draws * eval_k.seconds_per_draw(k, speed, workers - 1) > budget
    # Where drawing alone overruns the budget no number of workers helps.
    assert eval_k.workers_for(2**20, draws, budget, speed) is None


def test_a_landscape_probe_a_quarter_as_dear_buys_more_k_but_at_most_twice():
  # The job's own search at a quarter of the fixed probe's price per pair (GAN d = 2 against
  # d = 4) affords a larger k, but the search is quadratic in k and drawing linear: a quarter
  # of the pair price can at most double it.
  draws, budget = 6, 1080.0
  cheap = SLOW._replace(search_pair_seconds=eval_k.SEARCH_PROBES_PER_PAIR * SLOW.pair_seconds
                        / eval_k.LANDSCAPE_PROBES_PER_PAIR / 4)
  fixed_k = eval_k.affordable_k(draws, budget, SLOW)
  cheap_k = eval_k.affordable_k(draws, budget, cheap)
  assert 1.3 * fixed_k < cheap_k <= 2 * fixed_k + 1024
