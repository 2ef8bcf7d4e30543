"""Lambda on the photo path, converted once: the rate-distortion trade-off per pixel.

A job's lambda weighs the MSE per dimension against nats per *sample* of its source; for an
image folder a sample is a `crop x crop` crop (`Source.pixels_per_sample` pixels). The spatial
model trains on crops of another size and is evaluated on whole images of any size, so what
it minimizes is taken per pixel, for an input of `pixels` pixels:

    loss = rate (nats) / pixels + lmbda_per_pixel * distortion (MSE per dimension),
    lmbda_per_pixel = lambda / pixels_per_sample.

The loss per pixel has one scale at every crop and image size, which gradient clipping and the
learning rate need; minimizing it is minimizing rate + lambda D per sample.
"""

import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class PerPixelTradeoff:
  """`lmbda_per_pixel`: nats per pixel against MSE per dimension (pixels in [0, 1])."""
  lmbda_per_pixel: float

  @classmethod
  def of_job(cls, lmbda: float, pixels_per_sample: int) -> "PerPixelTradeoff":
    """The trade-off of a job's `lmbda` (per sample of `pixels_per_sample` pixels).

    Raises:
      ValueError for a lambda that is not a finite number >= 0.
    """
    if lmbda is None or not 0 <= lmbda < math.inf:
      raise ValueError(f"lambda must be a finite number >= 0, got {lmbda}")
    return cls(float(lmbda) / int(pixels_per_sample))

  def loss(self, rate_nats, distortion, pixels: int):
    """rate / pixels + lmbda_per_pixel * distortion, for an input of `pixels` pixels (floats
    or tensors)."""
    return rate_nats / float(pixels) + self.lmbda_per_pixel * distortion
