"""The evaluation k for the rate: raised where the upper side nears 0.8 ln k, up to its cap and
what a job's budget affords, with a line naming the k and workers beyond; the workers and the
k the cost model names do fit the budget."""

import math

from rdbounds.lower import eval_k


def test_needed_k_clears_the_upper_side_and_overshoots_by_at_most_a_sixteenth():
  for nats in (0.3, 3.0, 7.9, 8.6, 12.0, 15.2):
    k = eval_k.needed_k(nats)
    least = math.exp(nats / eval_k.HEADROOM)
    assert eval_k.HEADROOM * math.log(k) >= nats
    assert k <= max(2, least) * (1 + 1 / 16) + 1
  # GAN d = 4, lambda 2000: the upper side at 15.2 nats needs ln k >= 19, k near 1.8e8.
  assert 1.7e8 < eval_k.needed_k(15.2) < 1.9e8


def test_k_is_raised_up_to_its_caps_and_named_beyond_them():
  draws = 6
  assert eval_k.choose(5.0, 32768, 65536, draws, 300.0) == (32768, "")
  raised = eval_k.choose(8.6, 32768, 65536, draws, 3000.0)  # exp(8.6 / 0.8) = 46630
  assert raised.k == eval_k.needed_k(8.6) and 46630 <= raised.k < 49600
  assert f"evaluating at k={raised.k}" in raised.note
  capped = eval_k.choose(9.5, 32768, 65536, draws, 2000.0)  # needs 144.5k
  assert capped.k == min(65536, eval_k.affordable_k(draws)) and capped.k < 144_000
  assert capped.note.startswith("warning:") and "\n" not in capped.note
  assert f"--lb_eval_k={eval_k.needed_k(9.5)}" in capped.note
  # The user's own --lb_max_eval_k binds too; below the preset's k nothing is lowered.
  assert eval_k.choose(9.5, 32768, 40960, draws, 2000.0).k == 40960
  assert eval_k.choose(9.5, 32768, 0, draws, 2000.0).k == 32768


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
