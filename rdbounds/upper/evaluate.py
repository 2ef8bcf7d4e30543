"""Held-out evaluation of a beta-VAE: the upper-bound point (D, R) with standard errors.

Evaluation uses samples never seen in training: fresh `split="test"` draws for synthetic
sources, a full pass over the test split for finite data (`source.size` is not None). Per-sample
rates (nats) and distortions (MSE per dim) are computed in large compiled batches and
accumulated as float64 sums, so the means and their standard errors (std / sqrt(n)) need no
per-sample Python work. For NTC (uniform posterior) the rate and distortion with hard rounding
are measured too; they are reported for information, the noisy KL being the valid bound.
"""

import dataclasses
import math
from typing import Optional

import tensorflow as tf

from rdbounds.sources import base
from rdbounds.upper import model as model_lib

EVAL_NOISE_STREAM = 11  # Stream of the posterior samples drawn during evaluation.


@dataclasses.dataclass(frozen=True)
class Moments:
  """Mean and standard error of a per-sample quantity over n samples."""
  mean: float
  se: float
  n: int


@dataclasses.dataclass(frozen=True)
class Evaluation:
  """The held-out point.

  Attributes:
    distortion, rate: E[rho] (MSE per dim) and E[KL] (nats per sample), with SEs.
    lagrangian: rate + lambda * distortion, per sample, with its SE.
    hard_distortion, hard_rate: NTC with hard rounding (None for other posteriors).
    n_eval: number of held-out samples.
  """
  distortion: Moments
  rate: Moments
  lagrangian: Moments
  hard_distortion: Optional[Moments]
  hard_rate: Optional[Moments]
  n_eval: int


class _Accumulator:
  """float64 sums of per-sample values, for means and standard errors."""

  def __init__(self):
    self.n, self.total, self.total_sq = 0, 0.0, 0.0

  def add(self, sums):
    n, total, total_sq = (float(v) for v in sums)
    self.n += int(n)
    self.total += total
    self.total_sq += total_sq

  def moments(self) -> Moments:
    mean = self.total / self.n
    var = max(self.total_sq / self.n - mean**2, 0.0) * self.n / max(self.n - 1, 1)
    return Moments(mean, math.sqrt(var / self.n), self.n)


def _sums(values):
  values = tf.cast(values, tf.float64)
  return tf.stack([tf.cast(tf.size(values), tf.float64), tf.reduce_sum(values),
                   tf.reduce_sum(tf.square(values))])


def _batches(source: base.Source, num_samples: int, batch_size: int, seed: int):
  """Held-out batches: the whole test split of finite data, else fresh test draws."""
  if source.size is not None:
    total = source.size["test"]
    for start in range(0, total, batch_size):
      yield tf.constant(source.rows("test", start, min(start + batch_size, total)))
    return
  if num_samples < 1:
    raise ValueError(f"num_samples must be >= 1, got {num_samples}")
  for i in range(math.ceil(num_samples / batch_size)):
    size = min(batch_size, num_samples - i * batch_size)
    yield source.sample(size, seed=(seed, i), split="test")


def evaluate(model: model_lib.BetaVAE, source: base.Source, lmbda: float, num_samples: int,
             batch_size: int = 50_000, seed: int = 0) -> Evaluation:
  """(D, R) of `model` on held-out samples.

  Args:
    model: a trained, built `BetaVAE`.
    source: the source; finite sources are evaluated on their entire test split and
      `num_samples` is ignored.
    lmbda: lambda, for the Lagrangian.
    num_samples: number of fresh test draws for synthetic sources.
    batch_size: samples per compiled batch (bounds memory).
    seed: seed of the test draws and posterior samples.
  """
  lmbda = float(lmbda)

  @tf.function(reduce_retracing=True)
  def batch_sums(x, index):
    noise_seed = base.stateless_seed(tf.stack([tf.constant(seed, tf.int64), index]),
                                     EVAL_NOISE_STREAM)
    out = model(x, noise_seed)
    sums = [_sums(out["distortion"]), _sums(out["rate"]),
            _sums(out["rate"] + lmbda * out["distortion"])]
    if model.noisy:
      hard = model.hard_rounding(x)
      sums += [_sums(hard["distortion"]), _sums(hard["rate"])]
    return tf.stack(sums)

  accumulators = [_Accumulator() for _ in range(5 if model.noisy else 3)]
  for index, x in enumerate(_batches(source, int(num_samples), int(batch_size), seed)):
    sums = batch_sums(x, tf.constant(index, tf.int64)).numpy()
    for accumulator, row in zip(accumulators, sums):
      accumulator.add(row)
  moments = [a.moments() for a in accumulators]
  hard = moments[3:] if model.noisy else [None, None]
  return Evaluation(distortion=moments[0], rate=moments[1], lagrangian=moments[2],
                    hard_distortion=hard[0], hard_rate=hard[1], n_eval=moments[0].n)
