"""Warm-start chains over lambda, run by the sweep: each lower lambda trains on from the model
of the one above, then the highest again from the one below it."""

import dataclasses
import os

import pytest
import tensorflow as tf

from rdbounds import estimators
from rdbounds import sources
from rdbounds import sweep
from rdbounds.upper import spatial_test

_LAMBDAS_PER_PIXEL = (30.0, 3000.0)


class WarmStartTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    folder = spatial_test.write_photo_folder(os.path.join(self.get_temp_dir(), "photos"))
    self.source_options = {"kind": "images", "data": folder, "crop": 32}
    self.source = sources.make_source(**self.source_options)
    self.estimator = estimators.get("upper_bound")
    self.config = dataclasses.replace(
        self.estimator.preset("quick", image=True, photos=True), steps=200, refine_steps=0,
        warm_start_steps=40)
    self.lambdas = [l * self.source.pixels_per_sample for l in _LAMBDAS_PER_PIXEL]

  def _objective_per_pixel(self, record):
    """Rate + lambda D in nats per pixel: what training at the record's lambda minimizes."""
    pixels = self.source.pixels_per_sample
    return (record.rate_nats + record.lmbda * record.distortion) / pixels

  def test_a_warm_started_lambda_beats_as_many_steps_from_random_weights(self):
    chain = self.estimator.plan_jobs(self.lambdas, 0, self.config, self.source.spec)
    cold = estimators.Job("upper_bound", self.lambdas[0], 0,
                          dataclasses.replace(self.config, warm_start_steps=None, steps=40),
                          self.source.spec)
    # Listed before the job it starts from: the sweep runs it second all the same.
    outcomes = sweep.run_sweep([chain[1], chain[0], cold],
                               self.get_temp_dir(), log=lambda line: None)
    self.assertEqual([o.status for o in outcomes], ["done"] * 3, [o.error for o in outcomes])
    (warm_point,), (cold_point,) = outcomes[0].records, outcomes[2].records
    self.assertEqual((warm_point.steps, cold_point.steps), (40, 40))
    # 40 steps from the lambda-3000 model against 40 from random weights, both at lambda 30
    # (measured: 0.37 times its objective; without the weights carried over, the two train alike).
    self.assertLess(self._objective_per_pixel(warm_point),
                    0.7 * self._objective_per_pixel(cold_point))

  def test_a_chained_job_is_evaluated_again_on_its_own(self):
    config = dataclasses.replace(self.config, steps=20, warm_start_steps=10)
    chain = self.estimator.plan_jobs(self.lambdas, 0, config, self.source.spec)
    out = self.get_temp_dir()
    trained = sweep.run_sweep(chain, out, log=lambda line: None)
    self.assertEqual([o.status for o in trained], ["done"] * 3)
    # Alone in its sweep: it trains nothing, so it waits for no other job.
    again = self.estimator.reevaluation(chain[1], self.source.spec, eval_seed=1)
    (outcome,) = sweep.run_sweep([again], out, log=lambda line: None)
    self.assertEqual(outcome.status, "done", outcome.error)
    (first,), (second,) = trained[1].records, outcome.records
    # The same trained model, evaluated with other posterior samples: close, not equal.
    self.assertNotEqual(first.rate_nats, second.rate_nats)
    self.assertAllClose(first.rate_nats, second.rate_nats, rtol=0.05)

  @pytest.mark.slow
  def test_dask_workers_run_a_job_after_the_one_it_starts_from(self):
    # Two workers would start both jobs at once, and the second would find no trained model.
    chain = self.estimator.plan_jobs(self.lambdas, 0, self.config, self.source.spec)
    outcomes = sweep.run_sweep(chain, self.get_temp_dir(),
                               executor="local:2", log=lambda line: None)
    self.assertEqual([o.status for o in outcomes], ["done"] * 3, [o.error for o in outcomes])

  def test_a_job_whose_predecessor_did_not_finish_fails_saying_so(self):
    chain = self.estimator.plan_jobs(self.lambdas, 0, self.config, self.source.spec)
    jobs_dir = os.path.join(self.get_temp_dir(), "jobs")
    outcome = sweep.run_job(chain[1], jobs_dir, log=lambda line: None)
    self.assertEqual(outcome.status, "failed")
    self.assertIn(f"job {chain[0].job_id}", outcome.error)
    self.assertIn("has not finished", outcome.error)
    with self.assertRaisesRegex(ValueError, "not in the sweep"):
      sweep.run_sweep(chain[1:], self.get_temp_dir())


if __name__ == "__main__":
  tf.test.main()
