"""Gaussian source N(loc, diag(scale^2)) in any dimension, with its closed-form R(D)."""

import hashlib

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from rdbounds import theory
from rdbounds.sources import base

tfd = tfp.distributions


class GaussianSource(base.Source):
  """Independent Gaussian components; R(D) by reverse water-filling (`theory.GaussianRD`).

  Args:
    loc: `[n]` means.
    scale: `[n]` positive standard deviations.
    name: CSV name; defaults to `gaussian-dim=n` for N(0, I_n) and to
      `gaussian-dim=n-<first 8 hex digits of params_sha256>` otherwise.

  Attributes:
    params_sha256: hex sha256 of loc and scale (float64): with the dimension, what
      `describe()` uses to tell Gaussians apart.
  """

  def __init__(self, loc, scale, name=None):
    loc = np.asarray(loc, np.float64).reshape(-1)
    scale = np.asarray(scale, np.float64).reshape(-1)
    if loc.shape != scale.shape or loc.size == 0:
      raise ValueError(f"loc and scale must be non-empty and of equal shape, got {loc.shape} and {scale.shape}")
    if not (np.all(np.isfinite(loc)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
      raise ValueError("loc must be finite and scale finite and positive")
    self.loc, self.scale = loc, scale
    self.event_shape = (loc.size,)
    # + 0.0 turns -0.0 into 0.0: equal parameters, equal bytes.
    self.params_sha256 = hashlib.sha256((loc + 0.0).tobytes() + scale.tobytes()).hexdigest()
    standard = np.all(loc == 0) and np.all(scale == 1)
    self.name = name or (f"gaussian-dim={loc.size}" if standard
                         else f"gaussian-dim={loc.size}-{self.params_sha256[:8]}")
    self.analytic = theory.GaussianRD(scale**2)
    self.differential_entropy_nats = theory.gaussian_entropy_nats(scale**2)
    self.distribution = tfd.MultivariateNormalDiag(
        loc=tf.constant(loc, tf.float32), scale_diag=tf.constant(scale, tf.float32))

  @classmethod
  def standard(cls, dim: int) -> "GaussianSource":
    if int(dim) < 1:
      raise ValueError(f"dim must be >= 1, got {dim}")
    return cls(np.zeros(dim), np.ones(dim))

  @classmethod
  def from_npz(cls, path: str) -> "GaussianSource":
    """Loads arrays `loc` and `scale` from an .npz file."""
    try:
      with np.load(path) as params:
        loc, scale = params["loc"], params["scale"]
    except FileNotFoundError:
      raise ValueError(f"{path}: no such file") from None
    except KeyError as e:
      raise ValueError(f"{path}: missing array {e} (need 'loc' and 'scale')") from None
    except Exception as e:  # np.load raises several types for a non-npz file.
      raise ValueError(f"{path}: not a readable .npz file ({e})") from None
    try:
      return cls(loc, scale)
    except ValueError as e:
      raise ValueError(f"{path}: {e}") from None

  def _sample(self, batch_size, seed, split):
    eps = tf.random.stateless_normal([batch_size, self.dim], seed=seed)
    return tf.constant(self.loc, tf.float32) + tf.constant(self.scale, tf.float32) * eps

  def describe(self):
    return dict(super().describe(), kind="gaussian", params_sha256=self.params_sha256)
