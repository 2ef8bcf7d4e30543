"""Priors p(z) of the beta-VAE upper bound, as trainable `tf.Module`s around tfp/tfc distributions.

Every prior is a module whose `distribution(noisy=False)` returns a tfp distribution with
event shape `latent_shape` and empty batch shape, so `log_prob(z)` maps `[B, *latent_shape]`
to `[B]` log densities in nats. With `noisy=True` (the uniform posterior of nonlinear transform
coding) factorized priors return their convolution with U(-1/2, 1/2) per coordinate, built with
tfc's noise adapter: that is the density of the noisy latent `y + u`, and at integer points it
is the probability mass of the quantization bin, i.e. the code length of hard rounding.

Names (the `PRIORS` tuple): `standard_gaussian` (fixed N(0, I)), `gaussian` (learned diagonal
Gaussian), `gaussian_mixture` (k learned diagonal-Gaussian components), `maf` (masked
autoregressive flow on a standard Gaussian base), `deep_factorized` (tfc's DeepFactorized,
Ballé et al. 2018).
"""

from typing import Sequence, Tuple

import numpy as np
import tensorflow as tf
import tensorflow_compression as tfc
import tensorflow_probability as tfp

from rdbounds.upper.config import FACTORIZED_PRIORS, PRIORS

tfd = tfp.distributions
tfb = tfp.bijectors

# Priors whose distribution is Gaussian, so KL(q || p) has a closed form for a Gaussian q.
GAUSSIAN_PRIORS = ("standard_gaussian", "gaussian")


def _check_latent_shape(latent_shape) -> Tuple[int, ...]:
  latent_shape = tuple(int(s) for s in latent_shape)
  if not latent_shape or any(s < 1 for s in latent_shape):
    raise ValueError(f"latent shape must be non-empty with positive sizes, got {latent_shape}")
  return latent_shape


class Prior(tf.Module):
  """Base class: a (possibly trainable) p(z) over `latent_shape`.

  Attributes:
    latent_shape: shape of one latent, e.g. `(d,)`.
    is_gaussian: whether `distribution()` is Gaussian (closed-form KL with a Gaussian q).
    is_factorized: whether it factorizes over coordinates (supports `noisy=True`).
  """
  is_gaussian = False
  is_factorized = False

  def __init__(self, latent_shape, name=None):
    super().__init__(name=name)
    self.latent_shape = _check_latent_shape(latent_shape)

  @property
  def latent_rank(self) -> int:
    return len(self.latent_shape)

  def gaussian_components(self):
    """`(logits [K], locs [K, d], scales [K, d])` of a Gaussian-mixture prior over a flat
    latent (K = 1 for the Gaussians). Other priors raise ValueError."""
    raise ValueError(f"prior {self.name!r} is not a Gaussian mixture")

  def _marginals(self) -> tfd.Distribution:
    """Per-coordinate distribution with batch shape `latent_shape` (factorized priors)."""
    raise NotImplementedError

  def _joint(self) -> tfd.Distribution:
    """Joint distribution with event shape `latent_shape` (non-factorized priors)."""
    return tfd.Independent(self._marginals(), reinterpreted_batch_ndims=self.latent_rank)

  def distribution(self, noisy: bool = False) -> tfd.Distribution:
    """p(z), or with `noisy` p convolved with U(-1/2, 1/2) per coordinate."""
    if not noisy:
      return self._joint()
    if not self.is_factorized:
      raise ValueError(f"prior {self.name!r} does not factorize; the uniform posterior needs one "
                       f"of {', '.join(FACTORIZED_PRIORS)}")
    return tfd.Independent(self._noisy_marginals(), reinterpreted_batch_ndims=self.latent_rank)

  def _noisy_marginals(self) -> tfd.Distribution:
    return tfc.UniformNoiseAdapter(self._marginals())

  def quantization_offset(self) -> tf.Tensor:
    """`latent_shape` offsets o such that hard rounding is `round(y - o) + o` (factorized only)."""
    return tfc.quantization_offset(self._marginals())


def _one_flat_component(prior: Prior):
  if prior.latent_rank != 1:
    raise ValueError(f"Gaussian-mixture components need a flat latent [d], got "
                     f"{prior.latent_shape}")


class StandardGaussianPrior(Prior):
  """N(0, I): nothing to learn."""
  is_gaussian = True
  is_factorized = True

  def _marginals(self):
    zeros = tf.zeros(self.latent_shape)
    return tfd.Normal(loc=zeros, scale=tf.ones(self.latent_shape))

  def gaussian_components(self):
    _one_flat_component(self)
    return tf.zeros([1]), tf.zeros([1, *self.latent_shape]), tf.ones([1, *self.latent_shape])


class GaussianPrior(Prior):
  """N(mu, diag(sigma^2)) with learned mu and sigma (sigma kept positive by a softplus)."""
  is_gaussian = True
  is_factorized = True

  def __init__(self, latent_shape, name=None):
    super().__init__(latent_shape, name=name)
    self.loc = tf.Variable(tf.zeros(self.latent_shape), name="loc")
    self.scale = tfp.util.TransformedVariable(
        tf.ones(self.latent_shape), tfb.Softplus(low=1e-5), name="scale")

  def _marginals(self):
    return tfd.Normal(loc=self.loc, scale=self.scale)

  def gaussian_components(self):
    _one_flat_component(self)
    return tf.zeros([1]), self.loc[None], tf.convert_to_tensor(self.scale)[None]


class GaussianMixturePrior(Prior):
  """Mixture of k diagonal Gaussians over a flat latent `[d]`, all parameters learned.

  Component means start spread out (seeded) so the components do not stay identical;
  `init_from_clusters` moves them onto clusters of data (k-means) before training.
  """

  def __init__(self, latent_shape, components: int = 8, seed: int = 0, name=None):
    super().__init__(latent_shape, name=name)
    if self.latent_rank != 1:
      raise ValueError(f"gaussian_mixture needs a flat latent [d], got {self.latent_shape}")
    if int(components) < 1:
      raise ValueError(f"mixture_components must be >= 1, got {components}")
    d, k = self.latent_shape[0], int(components)
    init = np.random.default_rng(seed).standard_normal((k, d)).astype(np.float32)
    self.logits = tf.Variable(tf.zeros([k]), name="logits")
    self.locs = tf.Variable(init, name="locs")
    self.scales = tfp.util.TransformedVariable(
        tf.ones([k, d]), tfb.Softplus(low=1e-5), name="scales")

  @property
  def components(self) -> int:
    return int(self.logits.shape[0])

  def init_from_clusters(self, centroids, stds, weights):
    """Sets the components to clusters: means `[k, d]`, per-coordinate stds `[k, d]` (> 0),
    weights `[k]` (> 0; normalized here)."""
    k, d = self.components, self.latent_shape[0]
    centroids, stds, weights = (np.asarray(a, np.float32) for a in (centroids, stds, weights))
    if centroids.shape != (k, d) or stds.shape != (k, d) or weights.shape != (k,):
      raise ValueError(f"clusters of shapes {centroids.shape}, {stds.shape}, {weights.shape} "
                       f"do not fit a mixture of {k} components in {d} dimensions")
    if np.any(~(stds > 0)) or np.any(~(weights > 0)):
      raise ValueError("cluster stds and weights must be positive")
    self.locs.assign(centroids)
    self.scales.assign(stds)
    self.logits.assign(np.log(weights / weights.sum()))

  def gaussian_components(self):
    return (tf.convert_to_tensor(self.logits), tf.convert_to_tensor(self.locs),
            tf.convert_to_tensor(self.scales))

  def _joint(self):
    return tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(logits=self.logits),
        components_distribution=tfd.MultivariateNormalDiag(loc=self.locs, scale_diag=self.scales))


class MAFPrior(Prior):
  """Masked autoregressive flow (Papamakarios et al. 2017) on a N(0, I) base, flat latent `[d]`.

  `layers` MADE blocks with `hidden_units` each, alternated with order reversals so every
  coordinate is conditioned on every other one somewhere in the stack.
  """

  def __init__(self, latent_shape, layers: int = 3, hidden_units: Sequence[int] = (64, 64),
               activation: str = "relu", name=None):
    super().__init__(latent_shape, name=name)
    if self.latent_rank != 1:
      raise ValueError(f"maf needs a flat latent [d], got {self.latent_shape}")
    if int(layers) < 1 or any(int(h) < 1 for h in hidden_units):
      raise ValueError(f"maf needs layers >= 1 and positive hidden units, got {layers}, "
                       f"{list(hidden_units)}")
    d = self.latent_shape[0]
    self.made = [tfb.AutoregressiveNetwork(params=2, event_shape=[d],
                                           hidden_units=[int(h) for h in hidden_units],
                                           activation=activation, name=f"made_{i}")
                 for i in range(int(layers))]
    # Build the MADE networks now so their variables exist for checkpoints and optimizers.
    for made in self.made:
      made(tf.zeros([1, d]))
    self._reverse = np.arange(d)[::-1].copy()

  def _joint(self):
    d = self.latent_shape[0]
    bijectors = []
    for i, made in enumerate(self.made):
      bijectors.append(tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=made))
      if i + 1 < len(self.made) and d > 1:
        bijectors.append(tfb.Permute(permutation=self._reverse))
    base = tfd.MultivariateNormalDiag(loc=tf.zeros([d]))
    # Chain applies right to left: the last bijector in the list acts on the base first.
    return tfd.TransformedDistribution(base, tfb.Chain(bijectors[::-1]))


class DeepFactorizedPrior(Prior):
  """tfc's DeepFactorized density per coordinate (Ballé et al. 2018), learned."""
  is_factorized = True

  def __init__(self, latent_shape, num_filters: Sequence[int] = (3, 3, 3),
               init_scale: float = 10.0, name=None):
    super().__init__(latent_shape, name=name)
    # One NoisyDeepFactorized holds the variables; its `.base` is the noise-free density.
    self.noisy = tfc.NoisyDeepFactorized(
        batch_shape=self.latent_shape, num_filters=tuple(int(f) for f in num_filters),
        init_scale=float(init_scale))

  def _marginals(self):
    return self.noisy.base

  def _noisy_marginals(self):
    return self.noisy


def make_prior(name: str, latent_shape, *, mixture_components: int = 8, flow_layers: int = 3,
               flow_hidden_units: Sequence[int] = (64, 64), seed: int = 0) -> Prior:
  """Builds a prior by name (one of `PRIORS`). Raises ValueError for unknown names."""
  if name == "standard_gaussian":
    return StandardGaussianPrior(latent_shape, name=name)
  if name == "gaussian":
    return GaussianPrior(latent_shape, name=name)
  if name == "gaussian_mixture":
    return GaussianMixturePrior(latent_shape, components=mixture_components, seed=seed, name=name)
  if name == "maf":
    return MAFPrior(latent_shape, layers=flow_layers, hidden_units=flow_hidden_units, name=name)
  if name == "deep_factorized":
    return DeepFactorizedPrior(latent_shape, name=name)
  raise ValueError(f"unknown prior {name!r}; valid: {', '.join(PRIORS)}")
