"""The lower_bound estimator on finite data: refused before training, or fitted when asked."""

import math
import os

import numpy as np
import pytest
import tensorflow as tf

from rdbounds import estimators
from rdbounds.lower import estimator
from rdbounds.lower import eval_k
from rdbounds.lower import finite_data
from rdbounds.lower import models
from rdbounds.lower import particle_log_u
from rdbounds.sources import arrays


def _job_on_rows(tmp_path, rows, **overrides):
  data = np.random.default_rng(0).standard_normal((rows, 2)).astype(np.float32)
  np.save(tmp_path / "x.npy", data)
  source = arrays.ArraySource(str(tmp_path / "x.npy"), test_fraction=0.5)
  entry = estimators.get("lower_bound")
  config = entry.config("quick", k=64, eval_k=None, m=4, steps=30, **overrides)
  job, = entry.plan_jobs([3.0], 0, config, source.spec)
  return entry, source, job


def test_too_few_held_out_rows_are_refused_before_any_training(tmp_path):
  entry, source, job = _job_on_rows(tmp_path, 400)  # 200 held out; M x k = 256 needed
  workdir = tmp_path / "job"
  with pytest.raises(finite_data.NotEnoughData, match="need k x M x seeds = 64 x 4 x 1 = 256"):
    entry(source, job, estimators.JobContext(workdir=str(workdir)))
  assert not workdir.exists() or not os.listdir(workdir)  # no training happened


def test_fit_to_data_lowers_m_to_what_the_rows_allow(tmp_path):
  entry, source, job = _job_on_rows(tmp_path, 400, fit_to_data="m")  # 200 held out
  lines = []
  record, = entry(source, job, estimators.JobContext(log=lines.append))
  assert "lower_bound: 200 held-out samples allow k=64, M=3 (asked k=64, M=4)" in lines
  # The record is of the fitted evaluation (M = 3 draws), and its line is valid and
  # not empty: the rows are N(0, I_2), F(3) = ln 3 + 1 = 2.099 (k = 64 and 30 steps: loose).
  assert record.n_eval == 3
  assert record.intercept_ci_low <= math.log(3.0) + 1.0
  assert record.intercept_nats > 0.7 * (math.log(3.0) + 1.0)



def test_a_snapshot_of_another_log_u_is_refused(tmp_path):
  # A re-evaluation restores the snapshot a finished job wrote; a log u of another shape
  # (8 particles for a snapshot of 4, or an MLP) must raise, not evaluate a partly restored u.
  path = str(tmp_path / "snapshot")
  tf.train.Checkpoint(log_u=particle_log_u.unset_log_u(4, 2)).write(path)
  estimator.read_snapshot(particle_log_u.unset_log_u(4, 2), path)  # the same shape restores
  with pytest.raises((ValueError, AssertionError)):
    estimator.read_snapshot(particle_log_u.unset_log_u(8, 2), path)
  with pytest.raises(AssertionError):
    estimator.read_snapshot(models.mlp_log_u((2,), (8,)), path)


def test_an_untrained_log_u_near_its_ceiling_is_evaluated_at_a_larger_k():
  # N(0, I_2) at lambda = 20: F = ln 20 + 1 = 4.0 nats, above 0.64 ln 128 = 3.1. WGD's L_BA (a
  # little above F, 64 particles) asks for the k whose 0.64 ln k clears it (about 520); the
  # time left affords more, so k goes to the cap.
  from rdbounds.sources import make_source  # pylint: disable=g-import-not-at-top
  source = make_source("gaussian", dim=2)
  entry = estimators.get("lower_bound")
  config = entry.config("default", k=128, eval_k=128, max_eval_k=1024, m=3, steps=0,
                        particles=64, particle_steps=300)
  job, = entry.plan_jobs([20.0], 0, config, source.spec)
  lines = []
  record, = entry(source, job, estimators.JobContext(log=lines.append))
  raised, = [line for line in lines if "evaluating at k=" in line]
  k = int(raised.split("evaluating at k=")[1].split(",")[0])
  needed = int(raised.split("from k=")[1].split(";")[0])
  assert 128 < needed < k == 1024 and record.ceiling_nats == pytest.approx(np.log(k))
  truth = np.log(20.0) + 1.0
  assert eval_k.HEADROOM * record.ceiling_nats >= truth  # the line is clear of its ceiling
  assert record.intercept_ci_low <= truth  # and valid
  # A cap at the preset's k keeps it, and the log names the k the rate needs.
  lines = []
  record, = entry(source, entry.plan_jobs([20.0], 0, config.override(max_eval_k=128),
                                          source.spec)[0],
                  estimators.JobContext(log=lines.append))
  assert record.ceiling_nats == pytest.approx(np.log(128))
  assert any(f"--lb_eval_k={needed}" in line for line in lines)
