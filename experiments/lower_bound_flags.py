"""Command-line flags of the `lower_bound` estimator (Csiszár dual), for experiments/ binaries.

Every flag defaults to None, meaning "use the preset's value"; `overrides()` returns the
config entries (keys of `rdbounds.lower.estimator.PRESETS`) for the flags the user set.
"""

from absl import flags
import flag_overrides

FLAGS = flags.FLAGS

flags.DEFINE_integer("lb_k", None, "Lower bound: samples per draw k (ceiling ln k nats).")
flags.DEFINE_integer("lb_m", None, "Lower bound: evaluation draws per half (2M per seed).")
flags.DEFINE_integer("lb_eval_seeds", None, "Lower bound: evaluation seeds, pooled.")
flags.DEFINE_list("lb_widths", None, "Lower bound: hidden widths of the log u MLP.")
flags.DEFINE_string("lb_activation", None, "Lower bound: hidden activation of the MLP.")
flags.DEFINE_integer("lb_steps", None,
                     "Lower bound: training steps (at the first lambda when annealing).")
flags.DEFINE_float("lb_lr", None, "Lower bound: initial Adam learning rate.")
flags.DEFINE_float("lb_lr_final_fraction", None,
                   "Lower bound: final learning rate as a fraction of --lb_lr (cosine decay).")
flags.DEFINE_float("lb_clip_norm", None, "Lower bound: global gradient-norm clipping.")
flags.DEFINE_float("lb_alpha_decay", None,
                   "Lower bound: weight of a new C_k in the running average alpha.")
flags.DEFINE_enum("lb_search", None, ["quick", "exhaustive"],
                  "Lower bound: mode search while training (evaluation is exhaustive "
                  "unless --lb_eval_search=quick).")
flags.DEFINE_integer("lb_starts", None, "Lower bound: starting points of the quick search.")
flags.DEFINE_enum("lb_eval_search", None, ["quick", "exhaustive"],
                  "Lower bound: mode search in evaluation (quick may overstate the bound).")
flags.DEFINE_float("lb_tol", None,
                   "Lower bound: a search start has converged when its estimated remaining "
                   "gain is below this (nats).")
flags.DEFINE_float("lb_prune_margin", None,
                   "Lower bound: stop a search start whose value plus this many times its "
                   "estimated remaining gain is below the best value reached (inf: never).")
flags.DEFINE_integer("lb_max_iterations", None, "Lower bound: mean-shift iteration cap.")
flags.DEFINE_integer("lb_chunk_size", None, "Lower bound: starts per chunk (memory bound).")
flags.DEFINE_boolean("lb_anneal", None,
                     "Lower bound: train one log u while lambda grows over --lambdas, "
                     "evaluating a snapshot at each.")
flags.DEFINE_float("lb_anneal_from", None,
                   "Lower bound: starting lambda of annealing (default: smallest of --lambdas).")
flags.DEFINE_integer("lb_anneal_steps", None,
                     "Lower bound: steps of linear lambda growth (default: --lb_steps).")
flags.DEFINE_integer("lb_checkpoint_every", None, "Lower bound: steps between checkpoints.")
flags.DEFINE_integer("lb_log_every", None, "Lower bound: steps between progress lines.")
flags.DEFINE_integer("lb_steps_per_call", None, "Lower bound: training steps per compiled call.")

_CONVERT = {
    "k": int, "m": int, "eval_seeds": int, "activation": str, "steps": int, "lr": float,
    "lr_final_fraction": float, "clip_norm": float, "alpha_decay": float, "tol": float,
    "prune_margin": float,
    "max_iterations": int, "chunk_size": int, "anneal": bool, "anneal_from": float,
    "anneal_steps": int, "checkpoint_every": int, "log_every": int, "steps_per_call": int,
    "widths": lambda v: [int(w) for w in v],
}


def overrides() -> dict:
  """Config entries of the `--lb_*` flags that were set (others keep the preset's values)."""
  result = flag_overrides.collect("lb_", _CONVERT)
  # --lb_search/--lb_starts/--lb_eval_search map onto the starts of each phase.
  if FLAGS.lb_search == "exhaustive":
    result["train_starts"] = "exhaustive"
  elif FLAGS.lb_search == "quick" or FLAGS.lb_starts is not None:
    result["train_starts"] = FLAGS.lb_starts or 20
  if FLAGS.lb_eval_search == "exhaustive":
    result["eval_starts"] = "exhaustive"
  elif FLAGS.lb_eval_search == "quick":
    result["eval_starts"] = FLAGS.lb_starts or 20
  return result
