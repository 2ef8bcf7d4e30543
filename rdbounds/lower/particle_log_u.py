"""A structured `log u` for vector sources: a particle mixture (the body) above a floor.

    body(x)  = offset + log sum_j nu_j exp(-lambda_u rho(x, y_j))      (nats)
    log u(x) = logaddexp(body(x), log_floor)

with rho the MSE per dimension. At the optimum the dual's u is u*(x) = E_{Y ~ nu*}
exp(-lambda rho(x, Y)) for the optimal reproduction nu*: the body is that form with nu* replaced
by a particle measure (lambda_u = lambda), so particles moved by Wasserstein gradient descent
on L_BA (`rdbounds.particles`) at the same lambda are a good start. The body alone
is a poor u for the estimator: where u is tiny (far from every particle) a rare sample makes
C_k = sup_y (1/k) sum_i exp(-lambda rho(x_i, y)) / u(x_i) huge. The floor bounds 1/u by
1/floor, at a cost in A of at most E[floor / exp(body(X))].

Trainable: particle positions, log weights, the offset, log lambda_u and log_floor; the
lower-bound trainer ascends E[xi] over all of them. Evaluation and checkpoints see an
ordinary `models.LogU` (its standardization is left at the identity: the particles live in
the units the lower bound trains in, and rho depends on them).
"""

import math

import numpy as np
import tensorflow as tf

from rdbounds.lower import models
from rdbounds.particles import config as wgd_config
from rdbounds.particles import trainer as wgd_trainer
from rdbounds.sources import base
from rdbounds.sources import flattened


def initial_log_floor(k: int, margin: float = 1.0) -> float:
  """log floor = -ln k + margin (nats), k the samples per draw that use the floor next.

  A sample where u sits at the floor contributes at most 1 / (k floor) = e^-margin to C_k,
  whose typical value is about 1 (sup_y E[exp(-lambda rho(X, y)) / u*(X)] = 1): the floor
  keeps one outlier from dominating a draw whatever k is. Training moves it from there.
  Untrained, it must fit the evaluation's k: evaluated at a larger k, a floor set for a
  smaller one lifts u where the body is below it (docs/results.md, "GAN images"); near its
  ceiling it sits where the body reaches (`log_floor_near_ceiling`).
  """
  return -math.log(k) + margin


# How far below -L_BA (about where log u's body sits on typical samples) the floor of a log u
# evaluated near its ceiling may go: screened on GAN images at k = 65536 (docs/results.md,
# "What holds the line down between 0.65 and 0.8 ln k"), the best of three floors sat 0.62
# nats below -L_BA at d = 2, lambda 5000 and 0.35 below at d = 4, lambda 500 (a larger log
# u's best there: 0.86 below); with evenly spread draws, 0.6 below at d = 2, lambda 6000 and
# 0.6 to 0.86 below at d = 4, lambda 500 (docs/results.md, "Evaluation latents spread evenly").
BODY_DEPTH = 0.6
# The lowest such a floor goes: -ln k + this, one sample at the floor adding at most e^-1.5
# to C_k. Lower, single samples ruled C_k in the screen above (GAN images, d = 4, lambda 500,
# evenly spread draws: a floor 0.83 nats above -ln k lost 0.31 nats against one 1.53 above).
LOWEST_MARGIN = 1.5


def log_floor_near_ceiling(k: int, preset_k: int, margin: float,
                           upper_side_nats: float) -> float:
  """The floor (nats) of an untrained log u evaluated at k >= `preset_k`, where the upper
  side's R + lambda D nears ln k.

  Following k (`initial_log_floor(k, margin)`) lowers the floor by ln(k / preset_k). That
  raises A = E[-log u(X)] where the body is below the old floor, and lets rare samples weigh
  more in C_k: measured, it paid only where the body reaches that low. So the floor sits
  `BODY_DEPTH` below -`upper_side_nats` (the WGD particles' L_BA, about -E[body(X)]), never
  above where `preset_k` puts it and never below -ln k + `LOWEST_MARGIN`. Any floor gives a
  valid line; this only decides how tight.
  """
  return min(initial_log_floor(preset_k, margin),
             max(initial_log_floor(k, LOWEST_MARGIN), -upper_side_nats - BODY_DEPTH))


class ParticleBody(tf.keras.layers.Layer):
  """`[B, n] -> [B]` logaddexp(body(x), log_floor); see the module docstring.

  Args:
    particles: `[p, n]` initial positions y_j (the lower bound's units).
    log_weights: `[p]` initial log nu_j (normalized here).
    lmbda: initial kernel precision lambda_u (> 0).
    log_floor: initial log floor (nats).
  """

  def __init__(self, particles, log_weights, lmbda: float, log_floor: float,
               name: str = "particle_body"):
    super().__init__(name=name)
    particles = np.asarray(particles, np.float32)
    if particles.ndim != 2 or particles.shape[0] < 1 or particles.shape[1] < 1:
      raise ValueError(f"particles must be a non-empty [p, n] array, got shape {particles.shape}")
    log_weights = np.asarray(log_weights, np.float64)
    if log_weights.shape != particles.shape[:1] or not np.all(np.isfinite(log_weights)):
      raise ValueError(f"log_weights must be {particles.shape[0]} finite numbers, got shape "
                       f"{log_weights.shape}")
    if not (lmbda > 0 and math.isfinite(lmbda)):
      raise ValueError(f"the kernel's lambda must be a finite number > 0, got {lmbda}")
    if not math.isfinite(log_floor):
      raise ValueError(f"log_floor must be finite, got {log_floor}")
    log_weights = log_weights - np.logaddexp.reduce(log_weights)
    self.dim = particles.shape[1]
    self.particles = tf.Variable(particles, name="particles")
    self.log_weights = tf.Variable(log_weights.astype(np.float32), name="log_weights")
    self.offset = tf.Variable(0.0, name="offset")
    self.log_lambda = tf.Variable(math.log(lmbda), name="log_lambda")
    self.log_floor = tf.Variable(float(log_floor), name="log_floor")

  @property
  def num_particles(self) -> int:
    return int(self.particles.shape[0])

  def body(self, x):
    """`[B]` body(x), nats, for `[B, n]` samples (float32)."""
    x = tf.convert_to_tensor(x, tf.float32)
    precision = tf.exp(self.log_lambda) / self.dim
    # |x - y|^2 = |x|^2 - 2 x.y + |y|^2: one matmul, no [B, p, n] tensor.
    squared = (tf.reduce_sum(tf.square(x), 1, keepdims=True)
               - 2.0 * tf.matmul(x, self.particles, transpose_b=True)
               + tf.reduce_sum(tf.square(self.particles), 1)[tf.newaxis, :])
    logits = self.log_weights[tf.newaxis, :] - precision * tf.maximum(squared, 0.0)
    return self.offset + tf.reduce_logsumexp(logits, axis=1)

  def call(self, x):
    return above_floor(self.body(tf.reshape(x, [tf.shape(x)[0], self.dim])),  # images: flat
                       self.log_floor)


def above_floor(body, log_floor):
  """`[B]` logaddexp(body, log_floor) (nats): a log u that never falls below the floor."""
  return tf.reduce_logsumexp(tf.stack([body, tf.broadcast_to(log_floor, tf.shape(body))]),
                             axis=0)


def particle_log_u(particles, log_weights, lmbda: float, log_floor: float,
                   event_shape=None) -> models.LogU:
  """A `LogU` whose network is a `ParticleBody` (arguments as there), for samples of
  `event_shape` (default: vectors `[n]`; images are flattened to the particles' n)."""
  particles = np.asarray(particles, np.float32)
  body = ParticleBody(particles, log_weights, lmbda, log_floor)
  return models.LogU(body, event_shape or particles.shape[1:])


def unset_log_u(num_particles: int, event_shape) -> models.LogU:
  """A particle `LogU` of the right shapes whose values are about to be restored or set."""
  event_shape = (event_shape,) if np.isscalar(event_shape) else tuple(event_shape)
  return particle_log_u(np.zeros([num_particles, int(np.prod(event_shape))]),
                        np.zeros([num_particles]), 1.0, 0.0, event_shape)


def initialize_from_wgd(log_u: models.LogU, source: base.Source, lmbda: float, steps: int,
                        k: int, seed: int = 0, floor_margin: float = 1.0,
                        log=lambda line: None, lr: float = 0.1,
                        kernel_fraction: float = 1.0) -> float:
  """Sets a particle `log_u` to WGD's particles at `lmbda`, with the floor of `initial_log_floor`.

  Args:
    log_u: a `LogU` built by `particle_log_u` or `unset_log_u` (its particle count is used).
    source: the training data, in the units of `lmbda` (vectors, or images: flattened).
    lmbda: lambda of the WGD run and the kernel's initial precision.
    steps: WGD steps (Adam, batches of 1024, uniform weights); 0 leaves the particles at
      training samples.
    k: samples per draw of the lower bound's next use of log u (sets the floor).
    lr: WGD's step in kernel widths (`particles.config.WGDConfig.lr`).
    kernel_fraction: the kernel's precision lambda_u starts at this fraction of `lmbda`.

  Returns:
    WGD's last training loss, L_BA of the particles on a training batch (nats): about the
    R + lambda D a `wgd` point of these particles would have (on training samples).
  """
  body = log_u.network
  if not isinstance(body, ParticleBody):
    raise ValueError(f"initialize_from_wgd needs a particle log u, got {type(body).__name__}")
  config = wgd_config.WGDConfig(particles=body.num_particles, steps=steps, lr=lr,
                                log_every=max(1, steps), checkpoint_every=max(1, steps))
  measure, result = wgd_trainer.train(flattened.Flattened(source), config, lmbda, seed,
                                      log=log, name="lower_bound: particles")
  body.particles.assign(measure.particles)
  body.log_weights.assign(measure.log_weights)
  body.offset.assign(0.0)
  body.log_lambda.assign(math.log(lmbda * kernel_fraction))
  body.log_floor.assign(initial_log_floor(k, floor_margin))
  l_ba = float(result.metrics.get("loss", math.nan))
  log(f"lower_bound: {body.num_particles} particles after {result.steps} WGD steps at "
      f"lambda={lmbda:.4g} (standardized units), L_BA {l_ba:.4g} nats, log floor "
      f"{float(body.log_floor):.3g}")
  return l_ba
