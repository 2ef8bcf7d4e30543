"""Held-out evaluation of a beta-VAE: the upper-bound point (D, R) with standard errors.

Evaluation uses samples never seen in training: fresh `split="test"` draws for synthetic
sources, a full pass over the test split for finite data (`source.size` is not None). Per-sample
rates (nats) and distortions (MSE per dim) are computed in large compiled batches and
accumulated as float64 sums, so the means and their standard errors (std / sqrt(n)) need no
per-sample Python work. For NTC (uniform posterior) the rate and distortion with hard rounding
are measured too; they are reported for information, the noisy KL being the valid bound.
"""

import dataclasses
from typing import Optional

import tensorflow as tf

from rdbounds import held_out
from rdbounds.held_out import Moments
from rdbounds.sources import base
from rdbounds import streams
from rdbounds.upper import model as model_lib


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
                                     streams.UB_EVALUATION_NOISE)
    out = model(x, noise_seed, exact_rate=True)
    sums = [held_out.sums(out["distortion"]), held_out.sums(out["rate"]),
            held_out.sums(out["rate"] + lmbda * out["distortion"])]
    if model.noisy:
      hard = model.hard_rounding(x)
      sums += [held_out.sums(hard["distortion"]), held_out.sums(hard["rate"])]
    return tf.stack(sums)

  accumulators = [held_out.Accumulator() for _ in range(5 if model.noisy else 3)]
  for index, x in enumerate(held_out.batches(source, int(num_samples), int(batch_size), seed)):
    sums = batch_sums(x, tf.constant(index, tf.int64)).numpy()
    for accumulator, row in zip(accumulators, sums):
      accumulator.add(row)
  moments = [a.moments() for a in accumulators]
  hard = moments[3:] if model.noisy else [None, None]
  return Evaluation(distortion=moments[0], rate=moments[1], lagrangian=moments[2],
                    hard_distortion=hard[0], hard_rate=hard[1], n_eval=moments[0].n)
