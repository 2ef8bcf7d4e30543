"""The evaluation k for the rate: raised where the upper side nears HEADROOM ln k, up to its
cap and what a job's budget affords, with a line naming the k and workers beyond; the workers
and the k the cost model names do fit the budget."""

import math

from rdbounds.lower import eval_k


def test_needed_k_clears_the_upper_side_and_overshoots_by_at_most_a_sixteenth():
  for nats in (0.3, 3.0, 7.9, 8.6, 12.0, 15.2):
    k = eval_k.needed_k(nats)
    least = math.exp(nats / eval_k.HEADROOM)
    assert eval_k.HEADROOM * math.log(k) >= nats
    assert k <= max(2, least) * (1 + 1 / 16) + 1
  # GAN d = 2, lambda 5000: the upper side at 7.1 nats needs ln k >= 11.1, k near 65000.
  assert 65_000 < eval_k.needed_k(7.1) < 70_000


def test_k_is_raised_up_to_its_caps_and_named_beyond_them():
  draws = 6
  assert eval_k.choose(5.0, 32768, 65536, draws, 300.0) == (32768, "")
  raised = eval_k.choose(6.86, 32768, 65536, draws, 4000.0)  # exp(6.86 / 0.64) = 45195
  assert raised.k == eval_k.needed_k(6.86) and 45195 <= raised.k < 48200
  assert f"evaluating at k={raised.k}" in raised.note
  capped = eval_k.choose(8.2, 32768, 65536, draws, 500.0)  # needs 367k
  assert capped.k == min(65536, eval_k.affordable_k(draws)) and capped.k < 360_000
  assert capped.note.startswith("warning:") and "\n" not in capped.note
  assert f"--lb_eval_k={eval_k.needed_k(8.2)}" in capped.note
  # The user's own --lb_max_eval_k binds too; below the preset's k nothing is lowered.
  assert eval_k.choose(8.2, 32768, 40960, draws, 500.0).k == 40960
  assert eval_k.choose(8.2, 32768, 0, draws, 500.0).k == 32768


def test_what_the_model_affords_and_the_workers_it_names_fit_the_budget():
  draws, budget = 6, eval_k.JOB_BUDGET_SECONDS
  k = eval_k.affordable_k(draws)
  assert draws * eval_k.seconds_per_draw(k) <= budget
  assert draws * eval_k.seconds_per_draw(k + 1024) > budget
  for k in (65536, 131072, 196608):
    workers = eval_k.workers_for(k, draws)
    assert draws * eval_k.seconds_per_draw(k, workers) <= budget
    if workers > 1:
      assert draws * eval_k.seconds_per_draw(k, workers - 1) > budget
  # Where drawing alone overruns the budget no number of workers helps.
  assert eval_k.workers_for(2**20, draws) is None
