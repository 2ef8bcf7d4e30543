"""The exact held-out point of a particle measure: D, R and L_BA with standard errors.

For a trained nu the encoder Q(j | x) ∝ nu_j exp(-lambda rho(x, y_j)) is a code whose
distortion D = E_X E_Q[rho] and rate R = E_X KL(Q(.|X) || nu) >= I(X; Y) >= R(D) are
computed exactly per sample (no sampling of Y), so on samples the particles never saw
(`held_out.batches`: fresh test draws, or the whole test split of finite data) the mean
(D, R) is an achievable point up to its standard errors, and R + lambda D = L_BA(nu) >=
F(lambda). The per-sample values come from `measure.encoder_moments` in float64 (R is the
difference -log u - lambda D of two larger numbers), in compiled batches.
"""

import dataclasses

import tensorflow as tf

from rdbounds import curves
from rdbounds import held_out
from rdbounds.particles import measure as measure_lib
from rdbounds.sources import base


@dataclasses.dataclass(frozen=True)
class Evaluation:
  """The held-out point of a particle measure.

  Attributes:
    distortion: E[D(X)] (MSE per dim) with its SE.
    rate: E[KL(Q(.|X) || nu)] (nats per sample) with its SE.
    lagrangian: L_BA(nu) = rate + lambda distortion (nats) with its SE.
    ceiling: max_j ln(1 / nu_j) nats (ln p for uniform weights): the rate cannot exceed it.
    n_eval: held-out samples.
  """
  distortion: held_out.Moments
  rate: held_out.Moments
  lagrangian: held_out.Moments
  ceiling: float
  n_eval: int

  @property
  def saturated(self) -> bool:
    """Rate above `curves.AT_CEILING` of the ceiling: more particles would likely lower it."""
    return self.rate.mean >= curves.AT_CEILING * self.ceiling


def per_sample(x, measure: measure_lib.ParticleMeasure, lmbda: float,
               particle_chunk: int = 1024):
  """float64 `(distortion, rate, lagrangian)`, each `[B]`, of samples `x` `[B, n]`."""
  x = tf.cast(x, tf.float64)
  log_u, distortion = measure_lib.encoder_moments(
      x, measure.particles, measure.log_weights, lmbda, particle_chunk)
  lagrangian = -log_u
  return distortion, lagrangian - tf.cast(lmbda, tf.float64) * distortion, lagrangian


def evaluate(measure: measure_lib.ParticleMeasure, source: base.Source, lmbda: float,
             num_samples: int, batch_size: int = 4096, seed: int = 0,
             particle_chunk: int = 1024) -> Evaluation:
  """The point (D, R) of `measure`'s encoder on held-out samples of `source`.

  Args:
    measure: trained particles and weights.
    source: a vector source; finite data are evaluated on their whole test split.
    lmbda: lambda of the encoder.
    num_samples: fresh test draws for synthetic sources.
    batch_size, particle_chunk: a batch is processed as `[batch_size, particle_chunk]` blocks.
    seed: seed of the test draws.
  """
  lmbda = float(lmbda)

  @tf.function(input_signature=[tf.TensorSpec([None, measure.dim], tf.float32)])
  def batch_sums(x):
    return tf.stack([held_out.sums(v) for v in per_sample(x, measure, lmbda, particle_chunk)])

  accumulators = [held_out.Accumulator() for _ in range(3)]
  for x in held_out.batches(source, int(num_samples), int(batch_size), seed):
    for accumulator, row in zip(accumulators, batch_sums(x).numpy()):
      accumulator.add(row)
  distortion, rate, lagrangian = (a.moments() for a in accumulators)
  return Evaluation(distortion, rate, lagrangian, measure.ceiling_nats(), distortion.n)
