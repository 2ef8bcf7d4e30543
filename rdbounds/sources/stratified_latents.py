"""Evaluation latents by randomized quasi-Monte Carlo: each sample has the source's law, and
a draw covers the latent space more evenly than i.i.d. samples do.

The lower bound's proof (docs/method.md, "The lower bound") asks two things of a draw
x_1..x_k: that A = -(1/k) sum_i log u(x_i) have expectation E[-log u(X)], and that for every
fixed y the average (1/k) sum_i exp(-lambda rho(x_i, y)) / u(x_i) have expectation
E_X[exp(-lambda rho(X, y)) / u(X)]. Both are averages, so both hold as soon as **each x_i
alone** has the source's law; the samples of one draw need not be independent. (Finite data
sets already use this: they draw without replacement.) What independence costs is the
crowd: C_k is a sup over y, and i.i.d. samples bunch by chance, so the sup finds a bunch the
source does not have. Points that fill the latent space evenly bunch far less.

Here, for a source X = G(Z) with Z's coordinates independent: the first k points of the
Sobol sequence in [0, 1)^d, shifted by one uniform vector U mod 1 (Cranley & Patterson 1976),
and mapped by each coordinate's inverse CDF. For any point s, (s + U) mod 1 is uniform on
[0, 1)^d, so each latent has Z's law exactly (**proven**, and all the bound needs); two draws
with independent shifts are independent. How much more evenly the points sit than i.i.d.
ones, and what that buys the bound, is **measured** (stratified_latents_test;
docs/results.md).
"""

import math

import tensorflow as tf

# Z's coordinates are truncation x TruncatedNormal(0, 1), truncated at +-2 standard deviations
# (`gan.GanSource.active_latents`, like `tf.random.stateless_truncated_normal`).
TRUNCATION_BOUND = 2.0


def shifted_sobol(count: int, dim: int, seed: tf.Tensor) -> tf.Tensor:
  """`[count, dim]` float64 points in [0, 1)^dim: the Sobol sequence's first `count`, all
  shifted by one uniform vector drawn from the `[2]` stateless `seed`, modulo 1.

  Each row is uniform on [0, 1)^dim; rows of one call are not independent.
  """
  points = tf.math.sobol_sample(int(dim), int(count), dtype=tf.float64)
  shift = tf.random.stateless_uniform([int(dim)], seed, dtype=tf.float64)
  return tf.math.floormod(points + shift, 1.0)


def truncated_normal_quantile(uniform: tf.Tensor, bound: float = TRUNCATION_BOUND) -> tf.Tensor:
  """The standard normal truncated to [-bound, bound] at probabilities `uniform` in [0, 1)
  (any shape, float64): a uniform input gives that truncated normal."""
  uniform = tf.convert_to_tensor(uniform, tf.float64)
  low = 0.5 * math.erfc(bound / math.sqrt(2.0))  # Phi(-bound)
  probability = low + uniform * (1.0 - 2.0 * low)
  return tf.math.ndtri(probability)


def truncated_normal_latents(count: int, dim: int, seed: tf.Tensor) -> tf.Tensor:
  """`[count, dim]` float32 latents, each row a `dim`-vector of independent standard normals
  truncated at +-`TRUNCATION_BOUND`, the rows of one call spread by `shifted_sobol`."""
  return tf.cast(truncated_normal_quantile(shifted_sobol(count, dim, seed)), tf.float32)
