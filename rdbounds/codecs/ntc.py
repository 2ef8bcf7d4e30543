"""Nonlinear transform coding (NTC) of vectors with a real range coder (Ballé et al. 2021).

    x --analysis MLP--> y --round--> y_hat --synthesis MLP--> x_hat
                                 |
                       deep factorized entropy model p(y_hat) -> range coder

Training at multiplier lambda minimizes the Lagrangian in the paper's units,

    L = E[-log p(y_tilde)] + lambda * E[rho(x, g(y_tilde))],   y_tilde = y + U(-1/2, 1/2),

rate in nats per sample, rho = MSE per dimension (additive uniform noise stands in for
rounding during training). After training the entropy model is rebuilt with
`compression=True`, which fixes its quantization offsets and integer CDF tables, and
`compress`/`decompress` write and read real bitstreams: one per block of vectors
(`coding_rank=2` codes the whole `[B, d]` latent block as one string).

Bitstream of a block of B vectors: varint(B), then the range-coded latents.
"""

import time
from typing import Callable, List, Optional, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc

from rdbounds import nets
from rdbounds import training
from rdbounds.codecs import base
from rdbounds.codecs import config as codec_config
from rdbounds.sources import base as sources_base

LN2 = float(np.log(2.0))


class VectorNTC(base.Codec):
  """A trained vector NTC model, ready to compress.

  Args:
    analysis: `[B, n] -> [B, d]` network.
    synthesis: `[B, d] -> [B, n]` network.
    prior: `tfc.NoisyDeepFactorized` with batch shape `[d]` (trained).
    lmbda: the multiplier it was trained at.
    steps: training steps.
  """

  name = "ntc"
  per_sample_bitstreams = False

  def __init__(self, analysis, synthesis, prior, lmbda: float, steps: int = None):
    self.analysis, self.synthesis, self.prior = analysis, synthesis, prior
    self.lmbda, self.steps = float(lmbda), steps
    self.setting = f"lambda={self.lmbda:g}"
    self.latent_dim = int(prior.batch_shape[0])
    # Builds the quantization offsets and integer CDF tables from the trained prior.
    self.entropy_model = tfc.ContinuousBatchedEntropyModel(
        prior, coding_rank=2, compression=True)
    self._analyze = tf.function(lambda x: self.analysis(x, training=False))
    self._synthesize = tf.function(lambda y: self.synthesis(y, training=False))

  def quantized_latents(self, batch) -> tf.Tensor:
    """`[B, d]` the rounded latents y_hat that `encode` transmits."""
    return self.entropy_model.quantize(self._analyze(tf.convert_to_tensor(batch, tf.float32)))

  def reconstruct(self, batch) -> np.ndarray:
    """`[B, n]` g(y_hat) without coding: what `decode(encode(batch))` must equal exactly."""
    return self._synthesize(self.quantized_latents(batch)).numpy()

  def model_bits(self, batch) -> float:
    """Information content of y_hat under the (continuous) entropy model, in bits per block.

    The ideal code length the range coder approximates; the bitstream is at least this
    minus the coder's table-quantization gain, and a few bytes above it.
    """
    _, bits = self.entropy_model(self._analyze(tf.convert_to_tensor(batch, tf.float32)),
                                 training=False)
    return float(bits)

  def encode(self, batch) -> List[bytes]:
    y = self._analyze(tf.convert_to_tensor(batch, tf.float32))
    payload = self.entropy_model.compress(y).numpy()
    return [base.encode_varint(int(y.shape[0])) + payload]

  def decode(self, bitstreams: Sequence[bytes]) -> np.ndarray:
    data, = bitstreams
    count, position = base.decode_varint(data)
    y_hat = self.entropy_model.decompress(tf.constant(data[position:]), [count])
    return self._synthesize(y_hat).numpy()


def train_vector_ntc(source: sources_base.Source, lmbda: float,
                     config: codec_config.NTCCodecConfig, seed: int = 0, workdir: Optional[str] = None,
                     log: Callable[[str], None] = lambda line: None) -> VectorNTC:
  """Trains vector NTC at `lmbda` on the source's train split; returns the codec.

  Args:
    source: a vector source (`event_shape == (n,)`).
    lmbda: the multiplier lambda (Lagrangian R + lambda D, R in nats, D MSE per dim).
    config: hyper-parameters.
    seed: seed of initialization and training draws.
    workdir: checkpoints (resumable) or None.
    log: progress lines.
  """
  if len(source.event_shape) != 1:
    raise ValueError(f"vector NTC codes vectors; {source.name} has shape {source.event_shape}")
  n = source.dim
  d = config.latent_dim or min(n, 32)
  tf.keras.utils.set_random_seed(seed)
  analysis = nets.mlp(config.widths, d, name="analysis")
  synthesis = nets.mlp(config.widths, n, name="synthesis")
  analysis.build((None, n))
  synthesis.build((None, d))
  prior = tfc.NoisyDeepFactorized(batch_shape=[d])
  result = train_factorized_prior(
      analysis, synthesis, prior, coding_rank=1, source=source, lmbda=lmbda,
      steps=config.steps, batch_size=config.batch_size, learning_rate=config.learning_rate,
      seed=seed, workdir=workdir, log=log, steps_per_call=100, name=f"codec:ntc lambda={lmbda:g}")
  return VectorNTC(analysis, synthesis, prior, lmbda, steps=result.steps)


def train_factorized_prior(analysis, synthesis, prior, coding_rank: int, source, lmbda: float,
                           steps: int, batch_size: int, learning_rate: float, seed: int,
                           workdir, log, steps_per_call: int, name: str,
                           rate_scale: float = 1.0):
  """Trains analysis/synthesis transforms and a factorized prior at `lmbda` (shared by the
  vector and image NTC codecs).

  Minimizes R + lambda D with R = -log of the noisy entropy model's likelihood, in nats per
  sample (the last `coding_rank` axes form one sample) times `rate_scale` (which turns the
  training samples' rate into the job's units, `learned_image.training_source`), and D = MSE
  per dimension; Adam with the learning rate divided by 10 for the last 20% of the steps.

  Returns:
    the `training.TrainingResult`.
  """
  entropy_model = tfc.ContinuousBatchedEntropyModel(prior, coding_rank=coding_rank,
                                                    compression=False)
  schedule = tf.keras.optimizers.schedules.PiecewiseConstantDecay(
      [int(0.8 * steps)], [learning_rate, learning_rate / 10])
  optimizer = tf.keras.optimizers.Adam(schedule)
  variables = (analysis.trainable_variables + synthesis.trainable_variables
               + list(prior.trainable_variables))
  lmbda_t = tf.constant(lmbda, tf.float32)
  rate_scale_t = tf.constant(rate_scale, tf.float32)

  def one_step(step, x):
    del step
    with tf.GradientTape() as tape:
      y_tilde, bits = entropy_model(analysis(x, training=True), training=True)
      x_tilde = synthesis(y_tilde, training=True)
      rate = tf.reduce_mean(bits) * LN2 * rate_scale_t
      distortion = tf.reduce_mean(tf.square(x - x_tilde))
      loss = rate + lmbda_t * distortion
    gradients = tape.gradient(loss, variables)
    training.apply_gradients_if_finite(optimizer, loss, gradients, variables)
    return {"loss": loss, "rate_nats": rate, "distortion": distortion}

  trainer = training.Trainer(
      one_step, {"analysis": analysis, "synthesis": synthesis, "prior": prior,
                 "optimizer": optimizer},
      source, batch_size, seed, steps, workdir=workdir,
      log_every=max(steps // 4, 1), steps_per_call=steps_per_call, log=log, name=name)
  return trainer.run()
