"""Options of the mode search behind C_k (no TensorFlow here: flags are built from it)."""

import dataclasses

from rdbounds import config


@dataclasses.dataclass(frozen=True)
class SearchOptions(config.Config):
  """How the batched mean-shift search for sup_y of the mixture stops and bounds its memory."""

  tol: float = config.option(
      1e-7, "Mode search: a start has converged when its estimated remaining gain is below "
      "this (nats).")
  prune_margin: float = config.option(
      10.0, "Mode search: stop a start whose value plus this many times its estimated "
      "remaining gain is below the best value reached (inf: never).")
  max_iterations: int = config.option(
      1000, "Mode search: mean-shift iteration cap; a start still moving then makes an "
      "evaluation fail (its C_k could be too low).")
  chunk_size: int = config.option(512, "Mode search: starts per chunk (memory ~ chunk x k floats).")
  max_float32_error: float = config.option(
      3e-2, "Mode search: run in float32 when the proven float32 error of a value at the "
      "samples is below this (nats), else in float64 (high lambda, or many coordinates); a "
      "choice of speed, the bound is valid either way.")

  def validate(self):
    if not self.tol > 0:
      raise ValueError(f"tol must be > 0, got {self.tol}")
    if not self.prune_margin >= 0:
      raise ValueError(f"prune_margin must be >= 0, got {self.prune_margin}")
    if not self.max_float32_error > 0:
      raise ValueError(f"max_float32_error must be > 0, got {self.max_float32_error}")
    for name in ("max_iterations", "chunk_size"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
