"""A source in standardized units, so trained estimators see vector data of unit scale.

For distortion = MSE per dimension, shifting the data changes nothing and dividing them by
s divides every distortion by s^2: with X' = (X - c) / s,

    R_X(D) = R_X'(D / s^2),   F_X(lambda) = F_X'(lambda s^2)

(F the intercept min_D R(D) + lambda D). So an estimator may train and evaluate on X' at
lambda' = lambda s^2 and report D = s^2 D'; rates and intercepts need no conversion. This is
exact, not an approximation: a bound computed on X' is a bound for X. One scalar s (the RMS of
the per-coordinate standard deviations) keeps the distortion isotropic.

Without it, a user's data with coordinates of a few hundredths meets learning rates and
initializations tuned for unit scale, and lambdas in the thousands. Images are left in
[0, 1] (loc 0, scale 1): their decoders' sigmoid output and PSNR rely on that range.
"""

import math
from typing import Optional

import numpy as np

from rdbounds.sources import base
from rdbounds import streams

_STATS_SAMPLES = 100_000


class Rescaled(base.View):
  """`(source - loc) / scale`. Its spec and description are the source's: the
  standardization is the estimator's, not the source's.

  Args:
    source: the source in the user's units.
    loc: shift, broadcastable to the event shape. scale: positive scalar.
  """

  def __init__(self, source: base.Source, loc, scale: float):
    if not (math.isfinite(scale) and scale > 0):
      raise ValueError(f"scale must be finite and positive, got {scale}")
    super().__init__(source)
    self.loc = np.broadcast_to(np.asarray(loc, np.float32), source.event_shape)
    self.scale = float(scale)

  @classmethod
  def of(cls, source: base.Source, seed: int = 0) -> "Rescaled":
    """Standardized by the mean and the RMS coordinate std of up to 100k training samples
    (vector sources; images as they are)."""
    if len(source.event_shape) != 1:
      return cls(source, 0.0, 1.0)
    size = source.size
    count = _STATS_SAMPLES if size is None else min(_STATS_SAMPLES, size["train"])
    x = source.sample(count, seed=(seed, streams.SOURCE_STANDARDIZATION), split="train")
    x = np.asarray(x, np.float64)
    scale = math.sqrt(float(np.mean(np.var(x, axis=0))))
    if not scale > 0:
      raise ValueError(f"{source.name}: the training samples are constant; nothing to compress")
    return cls(source, x.mean(axis=0), scale)

  def lmbda(self, lmbda: float) -> float:
    """The multiplier in standardized units: lambda s^2."""
    return float(lmbda) * self.scale**2

  def distortion(self, standardized: Optional[float]) -> Optional[float]:
    """A distortion (or its standard error) back in the source's units: D' s^2."""
    return None if standardized is None else float(standardized) * self.scale**2

  def sample(self, batch_size, seed, split="train"):
    return (self.source.sample(batch_size, seed, split) - self.loc) / self.scale

  @property
  def has_whole_images(self):
    return self.source.has_whole_images

  def held_out_images(self):
    # Images are left in [0, 1] (`of`); whole images of other sizes than the event shape
    # cannot take a per-pixel shift, so only that identity passes them on.
    images = self.source.held_out_images()
    if images is not None and (self.scale != 1 or np.any(self.loc != 0)):
      raise ValueError(f"{self.name}: whole images are not rescaled")
    return images

  def test_batches(self, k, num_batches, seed):
    batches = self.source.test_batches(k, num_batches, seed)
    return base.Batches(len(batches), lambda j: (batches[j] - self.loc) / self.scale)

  def rows(self, split: str, start: int = 0, stop: Optional[int] = None) -> np.ndarray:
    return (self.source.rows(split, start, stop) - self.loc) / np.float32(self.scale)
