"""Semi-amortized inference: one held-out image's posterior refined by gradient descent.

The spatial model's encoder is amortized: one network gives every image its posterior
q(z|x) = N(mu(x), sigma(x)^2), so on a particular image it need not be the posterior that
minimizes that image's rate + lambda * distortion for the trained decoder and prior (the
amortization gap; Yang, Bamler & Mandt 2020 close it for compression models by optimizing
each image's latents). Starting from the encoder's (mu, raw sigma) map, Adam minimizes the
image's loss per pixel (`tradeoff.PerPixelTradeoff.loss`)

    rate (nats) / pixels + lmbda_per_pixel * distortion (MSE per dimension)

with one reparameterized posterior sample per step and the learning rate decayed (cosine)
to a tenth, the decoder and prior fixed. The distortion is taken on the image's own pixels,
as the whole-image evaluation measures it, so latents that only serve the padding are free
to fall back to the prior.

Why the refined point is still an upper bound. The bound holds for any channel q(z|x)
(docs/method.md, "Photographs"). The refinement depends only on the image and on a seed that
does not depend on it (its samples come from their own stream, `streams.UB_REFINEMENT_NOISE`),
so image -> refined posterior is such a channel (the decoder never sees the seed). The
evaluation then draws fresh samples from it (`streams.UB_EVALUATION_NOISE`): had the
refinement seen those samples it could have fitted them, and the one-sample rate and
distortion would be biased low. What the refinement buys is measured, not proven
(docs/results.md, "Natural images").
"""

import dataclasses

import numpy as np
import tensorflow as tf

from rdbounds.upper import grey as grey_lib
from rdbounds.upper import tradeoff as tradeoff_lib


@dataclasses.dataclass(frozen=True)
class Refinement:
  """What to minimize and how long: `steps` of Adam at `learning_rate`, at `tradeoff`."""
  tradeoff: tradeoff_lib.PerPixelTradeoff
  steps: int
  learning_rate: float


def refine_posterior(model, x: tf.Tensor, height: int, width: int, refinement: Refinement,
                     seed: tf.Tensor, grey: bool = False):
  """The refined posterior parameters of one image.

  Args:
    model: a spatial model (`encode`, `rate_and_reconstruction`; see `spatial.SpatialVAE`).
    x: `[1, H', W', C]` the image padded to the model's stride.
    height, width: the image's own size (H <= H', W <= W'): the distortion is taken there.
    refinement: the objective's trade-off and the optimizer's budget.
    seed: `[2]` int32 stateless seed of the refinement's posterior samples.
    grey: the image is sent as grey (`grey.decode`): the distortion is the projected
      reconstruction's, as the evaluation measures it.

  Returns:
    `(mu, raw_sigma)`, each `[1, H'/16, W'/16, M]`: `encode(x)`'s after `refinement.steps`
    Adam steps on the loss per pixel of the module docstring.

  Raises:
    FloatingPointError: the refinement diverged (non-finite parameters): no point to report.
  """
  pixels = height * width
  steps = tf.constant(int(refinement.steps), tf.int32)
  x_own = x[:, :height, :width]
  schedule = tf.keras.optimizers.schedules.CosineDecay(
      refinement.learning_rate, decay_steps=max(1, int(refinement.steps)), alpha=0.1)
  beta_1, beta_2, epsilon = 0.9, 0.999, 1e-7  # Adam's usual constants.

  def loss(mu, raw_sigma, step):
    out = model.rate_and_reconstruction(
        mu, raw_sigma, tf.random.experimental.stateless_fold_in(seed, step))
    y = grey_lib.decode(out["y"], grey)[:, :height, :width]
    distortion = tf.reduce_mean(tf.math.squared_difference(x_own, y))
    return refinement.tradeoff.loss(out["rate"][0], distortion, pixels)

  # Adam written out over the two tensors, so the whole loop compiles into one graph.
  @tf.function
  def run(mu, raw_sigma):
    params = [mu, raw_sigma]
    first = [tf.zeros_like(p) for p in params]
    second = [tf.zeros_like(p) for p in params]
    for step in tf.range(steps):
      with tf.GradientTape() as tape:
        tape.watch(params)
        value = loss(params[0], params[1], step)
      gradients = tape.gradient(value, params)
      t = tf.cast(step + 1, tf.float32)
      step_size = schedule(step) * tf.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
      first = [beta_1 * m + (1.0 - beta_1) * g for m, g in zip(first, gradients)]
      second = [beta_2 * v + (1.0 - beta_2) * tf.square(g) for v, g in zip(second, gradients)]
      params = [p - step_size * m / (tf.sqrt(v) + epsilon)
                for p, m, v in zip(params, first, second)]
    return params[0], params[1]

  mu, raw_sigma = run(*model.encode(x))
  if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(raw_sigma))):
    raise FloatingPointError(f"refining a held-out image's posterior diverged (non-finite "
                             f"parameters); lower --ub_refine_lr (was "
                             f"{refinement.learning_rate:g})")
  return mu, raw_sigma
