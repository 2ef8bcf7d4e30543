"""Network builders shared by the upper- and lower-bound models."""

from typing import Sequence

import tensorflow as tf


def mlp(widths: Sequence[int], output_dim: int, activation: str = "softplus",
        output_activation=None, name: str = "mlp") -> tf.keras.Sequential:
  """A fully connected network: hidden layers of `widths`, then a linear (or given) output.

  Maps `[B, n_in]` to `[B, output_dim]`; the input size is fixed by the first call.
  """
  if output_dim < 1 or any(w < 1 for w in widths):
    raise ValueError(f"layer sizes must be positive, got widths={list(widths)}, output={output_dim}")
  layers = [tf.keras.layers.Dense(w, activation=activation) for w in widths]
  layers.append(tf.keras.layers.Dense(output_dim, activation=output_activation))
  return tf.keras.Sequential(layers, name=name)
