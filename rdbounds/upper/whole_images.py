"""Held-out evaluation of the spatial model on whole images, as photographs are coded.

Each held-out image is padded to the model's stride (`spatial.pad_to_stride`), passed through
the model once, and charged its whole rate (padding included: a real coder would send it),
while its distortion is measured on its own pixels only, with the reconstruction clipped to
[0, 1]. Images differ in size, so the point is pixel-weighted:

    rate per pixel       = sum_i rate_i / sum_i pixels_i           (nats)
    distortion           = sum_i squared error_i / sum_i values_i  (MSE per dimension)

The posterior is the encoder's, or with a `refine.Refinement` each image's own, refined by
gradient descent (semi-amortized inference; why that keeps the bound: `refine`). A grey
image is sent with a one-bit flag and decoded on the grey axis, by a model of its own if one
is given; every three-channel image is charged the flag (`grey`).

Standard errors are those of the per-image ratios (unweighted, std / sqrt(n)); with one
image there is none.
"""

import dataclasses
import math
import time
from typing import Callable, Optional, Sequence

import numpy as np
import tensorflow as tf

from rdbounds import streams
from rdbounds.sources import base
from rdbounds.upper import grey
from rdbounds.upper import refine
from rdbounds.upper import spatial


@dataclasses.dataclass(frozen=True)
class WholeImageEvaluation:
  """The held-out point: `rate_per_pixel` (nats) and `distortion` (MSE per dimension), with
  standard errors over images (None for one image), and `n_images`; `per_image` holds each
  image's `(rate_nats, squared_error, pixels)` (whole-image rate, sum of squared errors over
  its values, H x W), in the order of the images."""
  rate_per_pixel: float
  rate_per_pixel_se: Optional[float]
  distortion: float
  distortion_se: Optional[float]
  n_images: int
  per_image: tuple = ()


def _se(values) -> Optional[float]:
  values = np.asarray(values, np.float64)
  return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else None


def evaluate(model: spatial.SpatialVAE, images: Sequence[np.ndarray], seed: int = 0,
             refinement: Optional[refine.Refinement] = None,
             log: Callable[[str], None] = lambda line: None,
             grey_model: Optional[spatial.SpatialVAE] = None) -> WholeImageEvaluation:
  """The held-out point of `model` on `images` (float32 `[H_i, W_i, C]` in [0, 1]).

  With `refinement`, each image's posterior is first refined (`refine.refine_posterior`,
  with its own seed stream) and the point is that of the refined posteriors. With
  `grey_model`, grey images are coded by it instead (the flag tells the decoder which).
  """
  if not images:
    raise ValueError("no held-out images to evaluate on")
  # The model that codes each kind of image (keyed by `is_grey`), compiled once per model:
  # one trace per padded size, and images of a folder come in a few sizes.
  coder = {False: model, True: model if grey_model is None else grey_model}
  compiled = {id(m): (tf.function(m.encode, reduce_retracing=True),
                      tf.function(m.rate_and_reconstruction, reduce_retracing=True))
              for m in coder.values()}
  rates, errors, pixels = [], [], []
  for index, image in enumerate(images):
    height, width = image.shape[:2]
    is_grey = grey.is_grey(image)
    chosen = coder[is_grey]
    encode, forward = compiled[id(chosen)]
    x = tf.constant(spatial.pad_to_stride(image, chosen.stride)[None])
    if refinement is None:
      posterior = encode(x)
    else:
      started = time.time()
      posterior = refine.refine_posterior(
          chosen, x, height, width, refinement,
          base.stateless_seed((seed, index), streams.UB_REFINEMENT_NOISE), is_grey)
      log(f"refined the posterior of held-out image {index + 1}/{len(images)} "
          f"({height}x{width}): {refinement.steps} steps in {time.time() - started:.0f}s")
    noise_seed = base.stateless_seed((seed, index), streams.UB_EVALUATION_NOISE)
    out = forward(*posterior, noise_seed)
    reconstruction = np.clip(grey.decode(out["y"], is_grey).numpy()[0, :height, :width],
                             0.0, 1.0)
    rates.append(float(out["rate"][0]) + grey.flag_nats(image))
    errors.append(float(np.sum(np.square(reconstruction.astype(np.float64) - image))))
    pixels.append(height * width)
  rates, errors, pixels = (np.asarray(v, np.float64) for v in (rates, errors, pixels))
  values = pixels * images[0].shape[2]
  return WholeImageEvaluation(
      rate_per_pixel=float(rates.sum() / pixels.sum()), rate_per_pixel_se=_se(rates / pixels),
      distortion=float(errors.sum() / values.sum()), distortion_se=_se(errors / values),
      n_images=len(images), per_image=tuple(zip(rates.tolist(), errors.tolist(),
                                                pixels.astype(int).tolist())))
