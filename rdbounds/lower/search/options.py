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
  block_size: int = config.option(
      0, "Mode search: sort the samples into blocks of at most this many nearby ones and let "
      "each chunk of starts skip the blocks whose proven bound is far below its largest "
      "(search/blocks.py; 0: step against every sample). What is skipped is added to the "
      "error bounds; that the sup is not lost is measured. Not in Gram coordinates.")
  skip_nats: float = config.option(
      25.0, "Mode search with blocks: skip a block whose bound is this many nats below the "
      "largest block bound of every row of the chunk (at least 10).")
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
    if self.block_size < 0:
      raise ValueError(f"block_size must be >= 0, got {self.block_size}")
    if not self.skip_nats >= 10:
      # Below, a climb converges to the kept terms' mode, measurably short of f's
      # (search/blocks.py).
      raise ValueError(f"skip_nats must be >= 10, got {self.skip_nats}")
    for name in ("max_iterations", "chunk_size"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
