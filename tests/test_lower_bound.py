"""The lower-bound estimator: lambda annealing and resuming (the evaluation's validity and
tightness are tested in rdbounds/lower/evaluator_test.py)."""

import math
import tempfile

import tensorflow as tf

from rdbounds import estimators
from rdbounds.lower import trainer as trainer_lib
from rdbounds.sources import make_source


class LowerBoundTest(tf.test.TestCase):

  def test_lambda_schedule_reaches_each_requested_lambda(self):
    schedule = trainer_lib.LambdaSchedule(3.0, 30.0, warmup_steps=100, anneal_steps=270)
    for lmbda in (3.0, 10.0, 30.0):
      step = schedule.step_at(lmbda)
      self.assertGreaterEqual(float(schedule(step)), lmbda - 1e-4)
      if step > 100:
        self.assertLess(float(schedule(step - 1)), lmbda)

  def test_annealed_estimator_returns_one_record_per_lambda(self):
    source = make_source("gaussian", dim=2)
    entry = estimators.get("lower_bound")
    config = entry.config("quick", k=128, eval_k=None, m=3, steps=40, anneal=True, anneal_steps=40,
                          widths=[16], log_every=1000)
    jobs = entry.plan_jobs([1.0, 4.0], 0, config, source.spec)
    self.assertLen(jobs, 1)
    workdir = tempfile.mkdtemp()
    records = entry(source, jobs[0], estimators.JobContext(workdir=workdir))
    self.assertEqual([r.lmbda for r in records], [1.0, 4.0])
    self.assertEqual([r.steps for r in records], [40, 80])
    # Valid (the interval's low end below F) and tight: one log u annealed through both
    # lambdas, 40 steps each, gave 98% and 82% of F (2026-12-04); lines a tenth looser fail.
    for record, fraction in zip(records, (0.9, 0.75)):
      self.assertEqual(record.estimator, "lower_bound")
      self.assertAllClose(record.ceiling_nats, math.log(128))
      truth = float(source.analytic.intercept(record.lmbda))
      self.assertLessEqual(record.intercept_ci_low, truth)
      self.assertGreater(record.intercept_nats, fraction * truth)
    # A second run resumes from the checkpoints and snapshots: same lines.
    again = entry(source, jobs[0], estimators.JobContext(workdir=workdir))
    self.assertAllClose([r.intercept_nats for r in again], [r.intercept_nats for r in records])


if __name__ == "__main__":
  tf.test.main()
