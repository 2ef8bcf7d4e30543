"""The lower bound's `log u` for image sources: a CNN (`nets.conv_scalar_net`).

`log u` maps `[B, H, W, C]` images in [0, 1] to `[B]` nats. The CNN sees
`(x - loc) / scale` with `loc` the per-pixel mean of training samples and `scale` one global
standard deviation (a per-pixel scale would blow up nearly constant pixels, e.g. a GAN's
background); the bound is invariant to this standardization, the optimizer is not.

Everything downstream is shared with vectors: C_k's mode search flattens each image to
n = H*W*C coordinates and, since n > k at the usual sizes (3072 at 32x32x3), runs in the
k x k Gram form (`search.find_mode`, `gram=None` picks it).
"""

import numpy as np
import tensorflow as tf

from rdbounds import nets
from rdbounds.lower import models
from rdbounds import streams

_STANDARDIZATION_SAMPLES = 2000


def conv_log_u(event_shape, widths=(16, 32, 32), blocks_per_stage: int = 1,
               activation: str = "softplus") -> models.LogU:
  """A CNN `log u` for images `(H, W, C)`: `[B, H, W, C] -> [B]` nats (unstandardized)."""
  event_shape = tuple(int(s) for s in event_shape)
  if len(event_shape) != 3:
    raise ValueError(f"the CNN log u is for images (H, W, C), got event shape {event_shape}")
  if int(blocks_per_stage) < 0:
    raise ValueError(f"blocks per stage must be >= 0, got {blocks_per_stage}")
  network = nets.conv_scalar_net(event_shape, [int(w) for w in widths], int(blocks_per_stage),
                                 activation, name="log_u_cnn")
  return models.LogU(network, event_shape)


def standardize_images(log_u: models.LogU, samples):
  """Sets `loc` to the per-pixel mean and `scale` to the global std of `[B, H, W, C]` samples."""
  samples = np.asarray(samples, np.float32)
  loc = samples.mean(0, dtype=np.float64)
  scale = max(float(np.sqrt(np.mean((samples - loc.astype(np.float32))**2, dtype=np.float64))),
              1e-6)
  log_u.loc.assign(loc.astype(np.float32))
  log_u.scale.assign(np.full(log_u.event_shape, scale, np.float32))


def build_conv_log_u(source, config, seed: int) -> models.LogU:
  """The CNN log u of a `LowerBoundConfig`, standardized on training samples.

  Uses `channels` (per stride-2 stage), `conv_blocks` (residual blocks per stage) and
  `conv_activation`. Initial weights are seeded with `seed`.
  """
  tf.keras.utils.set_random_seed(int(seed))
  log_u = conv_log_u(source.event_shape, config.channels, config.conv_blocks,
                     config.conv_activation)
  samples = source.sample(_STANDARDIZATION_SAMPLES, seed=(seed, streams.LOG_U_STANDARDIZATION),
                          split="train")
  standardize_images(log_u, samples.numpy())
  return log_u
