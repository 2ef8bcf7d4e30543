"""The evaluation k for the rate: raised where the upper side nears 0.8 ln k, up to its cap,
with a line naming the k and workers beyond it; the workers the cost model asks for suffice."""

import math

from rdbounds.lower import eval_k


def test_needed_k_is_the_smallest_power_of_two_with_room():
  # 0.8 ln 32768 = 8.32 >= 8 > 0.8 ln 16384 = 7.76.
  assert eval_k.needed_k(8.0) == 32768
  # GAN d = 4, lambda 2000: the upper side at 15.2 nats needs ln k >= 19: k = 2^28.
  assert eval_k.needed_k(15.2) == 2**28
  for nats in (0.3, 3.0, 7.9, 12.0):
    k = eval_k.needed_k(nats)
    assert eval_k.HEADROOM * math.log(k) >= nats > eval_k.HEADROOM * math.log(k / 2)


def test_k_is_raised_up_to_its_cap_and_named_beyond_it():
  kept = eval_k.choose(5.0, 32768, 65536, 6, 300.0)
  assert kept == (32768, "")
  raised = eval_k.choose(8.6, 32768, 65536, 6, 3000.0)  # 0.8 ln 65536 = 8.87
  assert raised.k == 65536 and "evaluating at k=65536" in raised.note
  capped = eval_k.choose(9.5, 32768, 65536, 6, 2000.0)  # needs 2^18
  assert capped.k == 65536 and capped.note.startswith("warning:")
  assert "--lb_eval_k=262144" in capped.note and "\n" not in capped.note
  # Without a cap above the preset's k the preset's k stays, and the line still says why.
  assert eval_k.choose(9.5, 32768, 0, 6, 2000.0).k == 32768


def test_the_workers_named_fit_the_budget_and_one_fewer_does_not():
  draws = 6
  for k in (65536, 131072, 262144):
    workers = eval_k.workers_for(k, draws)
    assert draws * eval_k.seconds_per_draw(k, workers) <= eval_k.JOB_BUDGET_SECONDS
    if workers > 1:
      assert draws * eval_k.seconds_per_draw(k, workers - 1) > eval_k.JOB_BUDGET_SECONDS
  # Where drawing alone overruns the budget no number of workers helps.
  assert eval_k.workers_for(2**24, draws) is None
