"""The function `log u(x)` of the Csiszár dual, as a trainable model.

Any keras model mapping `[B, *event_shape]` to `[B]` or `[B, 1]` can serve (pluggable: CNNs
for images are built elsewhere and passed in). `LogU` adds a fixed input standardization,
estimated once from training samples and stored as (non-trainable) variables so that
checkpoints carry it: the bound is invariant to it, but the optimizer is not.
"""

from typing import Sequence

import numpy as np
import tensorflow as tf

from rdbounds import nets


class LogU(tf.Module):
  """`log u(x)` in nats: `network((x - loc) / scale)`.

  Args:
    network: keras model `[B, *event_shape] -> [B]` or `[B, 1]`.
    event_shape: shape of one sample.
    loc, scale: standardization (broadcastable to event_shape); default 0 and 1.
  """

  def __init__(self, network: tf.keras.Model, event_shape, loc=0.0, scale=1.0,
               name: str = "log_u"):
    super().__init__(name=name)
    self.network = network
    self.event_shape = tuple(event_shape)
    self.loc = tf.Variable(np.broadcast_to(loc, self.event_shape).astype(np.float32),
                           trainable=False, name="loc")
    self.scale = tf.Variable(np.broadcast_to(scale, self.event_shape).astype(np.float32),
                             trainable=False, name="scale")
    self.network(tf.zeros((1,) + self.event_shape))  # Builds the weights.

  def standardize_from(self, samples):
    """Sets loc and scale to the per-coordinate mean and std of `[B, *event_shape]` samples."""
    samples = np.asarray(samples, np.float64)
    self.loc.assign(samples.mean(0).astype(np.float32))
    self.scale.assign(np.maximum(samples.std(0), 1e-6).astype(np.float32))

  @property
  def trainable_variables(self):
    return self.network.trainable_variables

  def __call__(self, x):
    """`[B, *event_shape]` -> `[B]` log u(x), nats."""
    out = self.network((x - self.loc) / self.scale)
    return tf.reshape(out, [tf.shape(x)[0]])


def mlp_log_u(event_shape, widths: Sequence[int] = (200, 200, 200),
              activation: str = "softplus") -> LogU:
  """An MLP `log u` for vector sources (`event_shape = (n,)`)."""
  if len(event_shape) != 1:
    raise ValueError(f"the MLP log u is for vector sources, got event shape {event_shape}")
  return LogU(nets.mlp(widths, 1, activation, name="log_u_mlp"), event_shape)
