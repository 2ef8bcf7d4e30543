"""Command-line flags of the `upper_bound` estimator (beta-VAE), for experiments/ binaries.

Every flag defaults to None, meaning "use the preset's value"; `overrides()` returns the
config entries (keys of `rdbounds.upper.estimator.PRESETS`) for the flags the user set.
"""

from absl import flags
import flag_overrides

from rdbounds.upper import model as model_lib
from rdbounds.upper import priors as priors_lib


flags.DEFINE_enum("ub_prior", None, list(priors_lib.PRIORS), "Upper bound: prior p(z).")
flags.DEFINE_enum("ub_posterior", None, list(model_lib.POSTERIORS),
                  "Upper bound: posterior q(z|x); uniform = nonlinear transform coding.")
flags.DEFINE_integer("ub_latent_dim", None, "Upper bound: latent size (default: source dim).")
flags.DEFINE_list("ub_widths", None, "Upper bound: hidden widths of encoder/decoder MLPs.")
flags.DEFINE_string("ub_activation", None, "Upper bound: hidden activation of the MLPs.")
flags.DEFINE_boolean("ub_decoder", None, "Upper bound: use a decoder (--noub_decoder: y = z).")
flags.DEFINE_integer("ub_mixture_components", None, "Upper bound: components of gaussian_mixture.")
flags.DEFINE_integer("ub_flow_layers", None, "Upper bound: MADE blocks of the maf prior.")
flags.DEFINE_list("ub_flow_hidden_units", None, "Upper bound: hidden units of each MADE block.")
flags.DEFINE_integer("ub_steps", None, "Upper bound: training steps per lambda.")
flags.DEFINE_integer("ub_batch", None, "Upper bound: training batch size.")
flags.DEFINE_float("ub_lr", None, "Upper bound: initial Adam learning rate.")
flags.DEFINE_float("ub_lr_final_fraction", None,
                   "Upper bound: final learning rate as a fraction of --ub_lr (cosine decay).")
flags.DEFINE_float("ub_clip_norm", None, "Upper bound: global gradient-norm clipping.")
flags.DEFINE_integer("ub_eval_samples", None,
                     "Upper bound: held-out samples for synthetic sources (npy: whole test split).")
flags.DEFINE_integer("ub_eval_batch", None, "Upper bound: evaluation batch size.")
flags.DEFINE_integer("ub_checkpoint_every", None, "Upper bound: steps between checkpoints.")
flags.DEFINE_integer("ub_log_every", None, "Upper bound: steps between progress lines.")
flags.DEFINE_integer("ub_steps_per_call", None, "Upper bound: training steps per compiled call.")

# Flag name (without the prefix) -> conversion into the config value.
_CONVERT = {
    "prior": str, "posterior": str, "latent_dim": int, "activation": str, "decoder": bool,
    "mixture_components": int, "flow_layers": int, "steps": int, "batch": int, "lr": float,
    "lr_final_fraction": float, "clip_norm": float, "eval_samples": int, "eval_batch": int,
    "checkpoint_every": int, "log_every": int, "steps_per_call": int,
    "widths": lambda v: [int(w) for w in v],
    "flow_hidden_units": lambda v: [int(w) for w in v],
}


def overrides() -> dict:
  """Config entries of the `--ub_*` flags that were set (others keep the preset's values)."""
  return flag_overrides.collect("ub_", _CONVERT)
