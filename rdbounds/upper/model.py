"""The beta-VAE whose (distortion, rate) on held-out data is an upper bound on R(D).

Encoder `f`, posterior `q(z|x)` parameterized by `f(x)`, prior `p(z)`, decoder `g` (or none:
`y = z`). For any such model, `R(D) <= I(X; Z) <= E_X[KL(q(z|X) || p(z))]` at
`D = E[rho(X, g(Z))]` (docs/method.md, "Upper bound"), where `rho` is the MSE per dimension. Units: rates are
nats per sample, distortions MSE per dimension.

Posteriors (`POSTERIORS`):
  * `gaussian`: diagonal Gaussian N(mu(x), diag(sigma(x)^2)); the encoder outputs
    `[B, *latent_shape[:-1], 2 * latent_shape[-1]]` (means, then pre-softplus scales).
  * `uniform`: U(y - 1/2, y + 1/2) around the encoder output y `[B, *latent_shape]` --
    nonlinear transform coding (Ballé et al. 2021) trained with additive uniform noise. Its
    prior is convolved with the uniform (tfc noise adapter), so at integer points it is the
    probability mass of a rounding bin and hard rounding can be measured too.
  * `gibbs`: no encoder. q(z|x) is the channel that minimizes KL(q || p) + lambda E_q[rho]
    for the prior, q(z|x) = p(z) exp(-lambda rho(x, z)) / Z(x), with y = z (no decoder). For
    a Gaussian-mixture prior sum_j pi_j N(mu_j, diag(s_j^2)) and rho = |x - z|^2 / n it is
    the mixture sum_j w_j(x) N(m_j(x), diag(v_j)) with delta = n / (2 lambda),
    w_j(x) ~ pi_j N(x; mu_j, s_j^2 + delta), m_j(x) = x - delta / (s_j^2 + delta) (x - mu_j),
    v_j = s_j^2 delta / (s_j^2 + delta); per sample, E_q[rho] and KL(q || p) =
    -lambda E_q[rho] - ln Z(x) are closed forms, with
    ln Z(x) = ln sum_j pi_j N(x; mu_j, s_j^2 + delta) + n/2 ln(2 pi delta). Training it is
    maximum likelihood of the data under the prior blurred by N(0, delta I): the particle
    picture, where the reproductions are the prior's mass pulled towards each x.

The encoder and decoder are any Keras models (MLPs from `nets.mlp` for vectors; a conv
encoder/decoder for images plugs in unchanged as long as the encoder's output has the layout
above).
"""

from typing import Dict, Optional, Sequence

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from rdbounds.upper import priors as priors_lib
from rdbounds.upper.config import POSTERIORS

tfd = tfp.distributions

_MIN_SCALE = 1e-6  # Keeps the posterior's scale positive when the softplus underflows.


def distortion(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
  """rho(x, y): mean over all non-batch dims of (x - y)^2. `[B, ...]` x2 -> `[B]`."""
  axes = list(range(1, x.shape.rank))
  return tf.reduce_mean(tf.math.squared_difference(x, y), axis=axes)


class BetaVAE(tf.Module):
  """Encoder + posterior + prior + optional decoder.

  Args:
    encoder: Keras model `[B, *event_shape] -> ` posterior parameters (see module doc).
    prior: a `priors.Prior` over `latent_shape`.
    posterior: one of `POSTERIORS`.
    decoder: Keras model `[B, *latent_shape] -> [B, *event_shape]`, or None for `y = z`
      (then `latent_shape` must equal the source's event shape).
  """

  def __init__(self, encoder: Optional[tf.keras.Model], prior: priors_lib.Prior,
               posterior: str = "gaussian", decoder: Optional[tf.keras.Model] = None,
               lmbda: Optional[float] = None, name: str = "beta_vae"):
    super().__init__(name=name)
    if posterior not in POSTERIORS:
      raise ValueError(f"unknown posterior {posterior!r}; valid: {', '.join(POSTERIORS)}")
    if posterior == "gibbs":
      if decoder is not None or encoder is not None:
        raise ValueError("the gibbs posterior has no encoder and no decoder (y = z)")
      if lmbda is None or not lmbda > 0:
        raise ValueError(f"the gibbs posterior needs lambda > 0, got {lmbda}")
      prior.gaussian_components()  # Raises for a prior that is not a Gaussian mixture.
    elif encoder is None:
      raise ValueError(f"the {posterior} posterior needs an encoder")
    self.lmbda = None if lmbda is None else float(lmbda)
    if posterior == "uniform" and not prior.is_factorized:
      raise ValueError(
          f"the uniform posterior (NTC) needs a factorized prior to convolve with the uniform "
          f"noise; got {prior.name!r}, valid: {', '.join(priors_lib.FACTORIZED_PRIORS)}")
    self.encoder, self.decoder, self.prior = encoder, decoder, prior
    self.posterior = posterior
    self.latent_shape = prior.latent_shape

  @property
  def noisy(self) -> bool:
    """Whether this is NTC: uniform posterior, prior convolved with the uniform."""
    return self.posterior == "uniform"

  @property
  def closed_form_kl(self) -> bool:
    return self.posterior == "gaussian" and self.prior.is_gaussian

  def _gibbs(self, x: tf.Tensor, exact_rate: bool = False):
    """The Gibbs posterior's parts for `x` `[B, n]`: `(q, rate [B], distortion [B])`.

    The rate is a difference of two terms that nearly cancel at high lambda: with
    `exact_rate` (evaluation) it is computed in float64, and a KL below 0 by more than float64
    rounding of those terms (1e-10 of their size) raises instead of being reported; otherwise
    (training) in float32, clipped at 0.
    """
    logits, locs, scales = self.prior.gaussian_components()        # [K], [K, n], [K, n]
    if exact_rate:
      x, logits, locs, scales = (tf.cast(t, tf.float64) for t in (x, logits, locs, scales))
    n = float(self.latent_shape[0])
    delta = n / (2.0 * self.lmbda)
    variances = tf.square(scales)
    blurred = variances + delta                                      # [K, n]
    diff = x[:, None, :] - locs[None]                                # [B, K, n]
    log_evidence = (tf.nn.log_softmax(logits)[None]
                    - 0.5 * tf.reduce_sum(tf.square(diff) / blurred
                                          + tf.math.log(2 * np.pi * blurred), -1))  # [B, K]
    weights = tf.nn.softmax(log_evidence, -1)
    shrink = delta / blurred                                         # [K, n]
    variance = variances * shrink                                    # v_j
    sq_error = tf.reduce_sum(tf.square(shrink[None] * diff) + variance[None], -1)  # [B, K]
    distortion = tf.reduce_sum(weights * sq_error, -1) / n
    log_z = tf.reduce_logsumexp(log_evidence, -1) + 0.5 * n * np.log(2 * np.pi * delta)
    rate = -self.lmbda * distortion - log_z
    if exact_rate:
      rounding = 1e-10 * (self.lmbda * distortion + tf.abs(log_z) + 1.0)
      tf.debugging.assert_greater_equal(
          rate, -rounding, message="the Gibbs channel's KL(q || p) came out negative beyond "
          "float64 rounding: its closed form does not hold for this prior")
      rate, distortion = (tf.cast(t, tf.float32) for t in (tf.maximum(rate, 0.0), distortion))
      x, log_evidence, shrink, diff, variance = (
          tf.cast(t, tf.float32) for t in (x, log_evidence, shrink, diff, variance))
    else:
      # KL(q || p) >= 0 holds exactly; the clip only removes float32 rounding.
      rate = tf.maximum(rate, 0.0)
    q = tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(logits=log_evidence),
        components_distribution=tfd.MultivariateNormalDiag(
            loc=x[:, None, :] - shrink[None] * diff,
            scale_diag=tf.broadcast_to(tf.sqrt(variance)[None] + _MIN_SCALE, tf.shape(diff))))
    return q, rate, distortion

  def build(self, event_shape: Sequence[int]):
    """Creates all variables (before checkpoint restores and optimizer builds)."""
    x = tf.zeros([1, *event_shape])
    self.posterior_distribution(x)
    y = self.decode(tf.zeros([1, *self.latent_shape]))
    if y.shape[1:] != tuple(event_shape):
      raise ValueError(f"the decoder maps latents {self.latent_shape} to {tuple(y.shape[1:])}, "
                       f"expected the source's {tuple(event_shape)}")
    self.prior.distribution(noisy=self.noisy).log_prob(tf.zeros([1, *self.latent_shape]))

  def posterior_distribution(self, x: tf.Tensor) -> tfd.Distribution:
    """q(z|x): batch shape `[B]`, event shape `latent_shape`."""
    if self.posterior == "gibbs":
      return self._gibbs(x)[0]
    params = self.encoder(x)
    rank = len(self.latent_shape)
    if self.posterior == "gaussian":
      expected = (*self.latent_shape[:-1], 2 * self.latent_shape[-1])
      if tuple(params.shape[1:]) != expected:
        raise ValueError(f"the Gaussian posterior needs encoder outputs {expected} per sample, "
                         f"got {tuple(params.shape[1:])}")
      loc, raw_scale = tf.split(params, 2, axis=-1)
      scale = tf.nn.softplus(raw_scale) + _MIN_SCALE
      return tfd.Independent(tfd.Normal(loc, scale), reinterpreted_batch_ndims=rank)
    if tuple(params.shape[1:]) != self.latent_shape:
      raise ValueError(f"the uniform posterior needs encoder outputs {self.latent_shape} per "
                       f"sample, got {tuple(params.shape[1:])}")
    return tfd.Independent(tfd.Uniform(params - 0.5, params + 0.5), reinterpreted_batch_ndims=rank)

  def decode(self, z: tf.Tensor) -> tf.Tensor:
    return z if self.decoder is None else self.decoder(z)

  def __call__(self, x: tf.Tensor, seed: tf.Tensor, exact_rate: bool = False
               ) -> Dict[str, tf.Tensor]:
    """One reparameterized pass.

    Args:
      x: `[B, *event_shape]` samples.
      seed: `[2]` int32 stateless seed of the posterior sample.
      exact_rate: the Gibbs posterior's rate in float64 (evaluation; see `_gibbs`).

    Returns:
      dict with `rate` `[B]` (KL(q(z|x) || p) in nats: closed form when q and p are Gaussian,
      else the one-sample estimate log q(z|x) - log p(z)), `distortion` `[B]` (MSE per dim),
      `z` the latent sample and `y` the reconstruction.
    """
    if self.posterior == "gibbs":
      q, rate, rho = self._gibbs(x, exact_rate)
      z = tf.stop_gradient(q.sample(seed=seed))
      return {"rate": rate, "distortion": rho, "z": z, "y": z}
    q = self.posterior_distribution(x)
    p = self.prior.distribution(noisy=self.noisy)
    z = q.sample(seed=seed)
    if self.closed_form_kl:
      rate = tfd.kl_divergence(q, p)
    else:
      rate = q.log_prob(z) - p.log_prob(z)
    y = self.decode(z)
    return {"rate": rate, "distortion": distortion(x, y), "z": z, "y": y}

  def hard_rounding(self, x: tf.Tensor) -> Dict[str, tf.Tensor]:
    """NTC with hard rounding instead of noise (uniform posterior only).

    The latent `y = f(x)` is rounded to the prior's quantization grid; the rate is the code
    length `-log P(round(y))` in nats, where the bin mass is the noisy prior's density at the
    rounded point (the convolution with U(-1/2, 1/2) integrates p over the bin).

    Returns:
      dict with `rate` `[B]` and `distortion` `[B]`.
    """
    if not self.noisy:
      raise ValueError("hard rounding applies to the uniform posterior only")
    y = self.encoder(x)
    offset = self.prior.quantization_offset()
    z = tf.round(y - offset) + offset
    rate = -self.prior.distribution(noisy=True).log_prob(z)
    return {"rate": rate, "distortion": distortion(x, self.decode(z))}


def assemble(config, encoder, decoder, latent_dim: int, event_shape, seed: int = 0,
             lmbda: Optional[float] = None) -> BetaVAE:
  """A built `BetaVAE` around the given transforms, with the prior of an `UpperBoundConfig`
  (`lmbda`: the multiplier, which the gibbs posterior depends on)."""
  prior = priors_lib.make_prior(
      config.prior, (latent_dim,), mixture_components=config.mixture_components,
      flow_layers=config.flow_layers, flow_hidden_units=config.flow_hidden_units, seed=seed)
  model = BetaVAE(encoder, prior, posterior=config.posterior, decoder=decoder, lmbda=lmbda)
  model.build(event_shape)
  return model
