"""The `lower_bound` estimator's configuration and presets (no TensorFlow here).

Presets: `quick` (ten-odd seconds per lambda: tests and the demo; trained at k = 4096,
evaluated at eval_k = 8192), `default` (k = 4096, the particle log u of vector sources: tight
on low-dimensional sources in about a minute per lambda), `paper` (k = 16384, a
longer-trained MLP).
Image sources have their own instances (the particle log u on flattened images, C_k through
a projection); `--lb_model=mlp` gives them a CNN log u (`channels`, `conv_blocks`, ...).
"""

import dataclasses
import math
from typing import List, Literal, Optional, Tuple

from rdbounds import config
from rdbounds import estimators
from rdbounds.lower import eval_k as eval_k_lib
from rdbounds.lower import finite_data
from rdbounds.lower.search.options import SearchOptions

SEARCHES = ("quick", "exhaustive")
MODELS = ("mlp", "particles")
FIT_TO_DATA = finite_data.FIT_TO_DATA
# What `rdbounds evaluate` may change to evaluate a trained log u again (flattened option names).
EVALUATION_OPTIONS = ("eval_k", "m", "eval_seeds", "eval_seed", "fit_to_data") + tuple(
    field.name for field in dataclasses.fields(SearchOptions))


@dataclasses.dataclass(frozen=True)
class LowerBoundConfig(config.Config):
  """A trained log u (MLP for vectors, CNN for images) and the evaluation of its lines."""
  k: int = config.option(512, "Lower bound: samples per draw k (ceiling ln k nats).")
  eval_k: Optional[int] = config.option(
      None, "Lower bound: samples per evaluation draw (none: k); the ceiling is ln eval_k.")
  max_eval_k: int = config.option(
      0, "Lower bound: an untrained particle log u whose WGD L_BA (the upper side's R + "
      f"lambda D) is above {eval_k_lib.HEADROOM:g} ln eval_k raises eval_k until "
      f"{eval_k_lib.HEADROOM:g} ln k clears it, up to this and what the job's 20 minutes "
      "afford on this machine; beyond, the log names the k and Dask workers a line clear of "
      "its ceiling needs (rdbounds/lower/eval_k.py). 0: never.")
  m: int = config.option(
      10, "Lower bound: evaluation draws per seed M (>= 2), each one xi, its alpha from the "
      "seed's other draws.")
  eval_seeds: int = config.option(1, "Lower bound: evaluation seeds, pooled.")
  eval_seed: int = config.option(
      0, "Lower bound: first evaluation seed (another value draws other held-out batches).")
  model: Literal[MODELS] = config.option(
      "mlp", "Lower bound: log u: a network (an MLP for vectors, a CNN for images), or "
      "particles (a mixture of kernels at WGD's particles above a learned floor; images are "
      "flattened; rdbounds/lower/particle_log_u.py).")
  particles: int = config.option(256, "Lower bound: particles of the particle log u.")
  particle_steps: int = config.option(
      1500, "Lower bound: WGD steps that place the particles before log u is trained.")
  particle_lr: float = config.option(
      0.1, "Lower bound: WGD's step, in kernel widths per coordinate (images need smaller "
      "steps: the kernel is wide per pixel).")
  floor_margin: float = config.option(
      1.0, "Lower bound: the particle log u's floor starts at 1 / (k e^-margin), k that of "
      "the draws that use it next (training's; with --lb_steps=0 the evaluation's): one "
      "sample at the floor adds at most e^-margin to C_k.")
  kernel_fraction: float = config.option(
      1.0, "Lower bound: the particle log u's kernel precision lambda_u starts at this "
      "fraction of lambda (below 1: wider kernels, which fill the gaps between particles).")
  widths: Tuple[int, ...] = config.option(
      (64, 64), "Lower bound: hidden widths of the log u MLP (vector sources).")
  activation: str = config.option("softplus", "Lower bound: hidden activation of the MLP.")
  channels: Tuple[int, ...] = config.option(
      (16, 32, 32), "Lower bound: channels of the CNN's stride-2 stages (image sources).")
  conv_blocks: int = config.option(0, "Lower bound: residual blocks per CNN stage (images).")
  conv_activation: str = config.option("softplus", "Lower bound: activation of the CNN.")
  steps: int = config.option(
      300, "Lower bound: training steps (at the first lambda when annealing).")
  lr: float = config.option(1e-3, "Lower bound: initial Adam learning rate.")
  lr_final_fraction: float = config.option(
      0.1, "Lower bound: final learning rate as a fraction of --lb_lr (cosine decay).")
  clip_norm: float = config.option(10.0, "Lower bound: global gradient-norm clipping.")
  alpha_decay: float = config.option(
      0.01, "Lower bound: weight of a new C_k in the running average alpha.")
  search: Literal[SEARCHES] = config.option(
      "quick", "Lower bound: mode search while training (evaluation is always exhaustive: a "
      "line reported as a bound must not rest on a search that can miss the sup).")
  starts: int = config.option(20, "Lower bound: starting points of a quick search.")
  fit_to_data: Literal[FIT_TO_DATA] = config.option(
      "refuse", "Lower bound: when finite held-out data cannot supply the M disjoint draws of "
      "k: refuse (one-line error), or lower m or k to what they allow.")
  search_options: SearchOptions = config.option(SearchOptions(), "Mode search options.")
  projection: Tuple[int, ...] = config.option(
      (), "Lower bound: C_k from samples lifted to their coordinates along the first e_1 "
      "principal directions of training samples and their norms in the blocks "
      "(e_1, e_2], ..., (e_last, n] (edges e_1 < e_2 < ...): an upper bound on C_k, so the "
      "line stays valid, at a cost of e_1 + len(edges) dimensions instead of n "
      "(rdbounds/lower/search/projection.py); empty: the samples themselves. Training's "
      "quick search uses it too.")
  train_pool: int = config.option(
      0, "Lower bound: training draws come from a pool of this many training samples drawn "
      "once (sources slower to sample than a step, the GAN); 0: fresh draws every step.")
  anneal: bool = config.option(
      False, "Lower bound: train one log u while lambda grows over --lambdas, evaluating a "
      "snapshot at each.")
  anneal_from: Optional[float] = config.option(
      None, "Lower bound: starting lambda of annealing (none: the smallest of --lambdas).")
  anneal_steps: Optional[int] = config.option(
      None, "Lower bound: steps of linear lambda growth (none: --lb_steps).")
  checkpoint_every: int = config.option(500, "Lower bound: steps between checkpoints.")
  log_every: int = config.option(250, "Lower bound: steps between progress lines.")
  steps_per_call: int = config.option(25, "Lower bound: training steps per compiled call.")

  def validate(self):
    if self.m < 2:
      raise ValueError(f"m must be >= 2 (each draw's alpha comes from the others), got {self.m}")
    for name in ("eval_seeds", "starts", "checkpoint_every", "log_every",
                 "steps_per_call", "particles"):
      if getattr(self, name) < 1:
        raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
    if self.max_eval_k < 0:
      raise ValueError(f"max_eval_k must be >= 0, got {self.max_eval_k}")
    if self.k < 2 or (self.eval_k is not None and self.eval_k < 2):
      raise ValueError(f"k and eval_k must be >= 2, got {self.k}, {self.eval_k}")
    if self.eval_seed < 0:
      raise ValueError(f"eval_seed must be >= 0, got {self.eval_seed}")
    if self.steps < 0 or self.conv_blocks < 0 or self.particle_steps < 0:
      raise ValueError(f"steps, conv_blocks and particle_steps must be >= 0, got {self.steps}, "
                       f"{self.conv_blocks}, {self.particle_steps}")
    if not self.particle_lr > 0:
      raise ValueError(f"particle_lr must be > 0, got {self.particle_lr}")
    if not self.kernel_fraction > 0 or not math.isfinite(self.kernel_fraction):
      raise ValueError(f"kernel_fraction must be a finite number > 0, got "
                       f"{self.kernel_fraction}")
    if not math.isfinite(self.floor_margin):
      raise ValueError(f"floor_margin must be finite, got {self.floor_margin}")
    if self.train_pool < 0:
      raise ValueError(f"train_pool must be >= 0, got {self.train_pool}")
    if self.projection and (min(self.projection) < 1 or any(
        b <= a for a, b in zip(self.projection, self.projection[1:]))):
      raise ValueError(f"projection edges must be increasing positive integers, got "
                       f"{list(self.projection)}")
    for name in ("widths", "channels"):
      if not getattr(self, name) or min(getattr(self, name)) < 1:
        raise ValueError(f"{name} must be positive sizes, got {list(getattr(self, name))}")
    if not self.lr > 0 or not self.clip_norm > 0:
      raise ValueError(f"lr and clip_norm must be > 0, got {self.lr}, {self.clip_norm}")
    if not 0 <= self.lr_final_fraction <= 1 or not 0 < self.alpha_decay < 1:
      raise ValueError(f"need lr_final_fraction in [0, 1] and alpha_decay in (0, 1), got "
                       f"{self.lr_final_fraction}, {self.alpha_decay}")
    if self.anneal_from is not None and not self.anneal_from > 0:
      raise ValueError(f"anneal_from must be > 0, got {self.anneal_from}")


# Evaluated at a larger k than trained at: the finite-k bias of C_k shrinks, and a floor set
# for the training k serves any larger one (docs/results.md, "The demo"). --lb_k alone
# leaves eval_k as it is.
# quick: trained at k = 4096 for 300 steps, M = 8: tighter than k = 2048 / 500 steps / M = 10
# in about the same time (docs/results.md, "The demo", where it was chosen and measured).
# Its evaluation prunes at margin 3, as the image presets' does, not 10: most of a quick job
# is its 16 exhaustive searches at k = 8192, and the harder pruning takes about a quarter
# off each. That it loses no sup is measured, not proven (`exhaustive_test` runs every
# preset's search against the one that prunes nothing), and the same sup gives the same line.
QUICK_SEARCH = SearchOptions(prune_margin=3.0)
PRESETS = {
    "quick": LowerBoundConfig(k=4096, eval_k=8192, m=8, model="particles", steps=300,
                              lr=3e-3, particle_steps=1000, log_every=150,
                              search_options=QUICK_SEARCH),
    # Tighter and 5.5x faster than the MLP (docs/results.md, "The lower bound: a particle
    # log u").
    "default": LowerBoundConfig(k=4096, m=30, model="particles", steps=500, lr=3e-3,
                                widths=(200, 200, 200)),
    "paper": LowerBoundConfig(k=16384, m=50, eval_seeds=2, widths=(200, 200, 200),
                              steps=10_000),
}
# Images: the particle log u on flattened images (WGD's steps shrunk for the kernel's width
# per pixel, on a pool: the GAN samples slowly), C_k bounded from above through 256 principal
# coordinates and one residual norm (docs/method.md), evaluated at k = 32768. No gradient
# steps: at the k a step can afford (1024) the objective wants a floor for that k, not the
# evaluation's. Floor and kernel width chosen on a grid (docs/results.md, "GAN images").
# A log u that trains starts from the vector presets' floor and kernel, set for training's k.
_TRAINED_FLOOR = dict(floor_margin=1.0, kernel_fraction=1.0)
# The evaluation's search prunes harder and stops sooner than the library's default (which
# the vector presets keep): what it buys is a larger k in the same minutes. log_c adds tol,
# so 1e-4 nats is the price if no sup is lost; that none was is measured, not proven
# (docs/results.md, "The sandwich on GAN images"; `exhaustive_test`).
# It also runs in float32 where its proven float32 error at the samples is up to 0.15 nats
# (0.07 at d = 2, lambda 3000 and d = 4, lambda 2000; the library's default switches to float64
# above 0.03). Measured on one GAN draw of k = 16384 in each of those two cases (a smaller
# particle log u than the preset's, machine loaded): the same log C_k to 3e-6 nats, 2.6-3.2
# times faster than in float64 (not yet measured at the preset's k). A float32
# search that cannot converge runs again in float64 (`search.exhaustive.climb`).
# Its steps skip blocks of 32 samples whose proven bound is 20 nats below a chunk's largest
# (`search.blocks`), chosen on one GAN draw each of d = 2, lambda 4000 and d = 4, lambda
# 1000 (evaluation seed 1); what it buys: docs/estimators.md, "The lower bound's mode search".
IMAGE_SEARCH = SearchOptions(prune_margin=3.0, tol=1e-4, max_float32_error=0.15,
                             block_size=32, chunk_size=256, skip_nats=20.0)
# Where the WGD particles' L_BA (the upper side's R + lambda D) passes `eval_k.HEADROOM` ln 32768
# the evaluation k rises, up to 131072 and what the cost model, priced by the machine's own
# probes, fits in the job's 20 minutes (`eval_k`; docs/estimators.md).
# M = 6: at M = 3 the interval held its level but its width was erratic (three xi
# give the bootstrap-t half of the union few distinct resamples); at M = 6 it held and stayed
# narrow (docs/method.md, "The confidence interval"; job times in docs/results.md).
_IMAGES = dataclasses.replace(
    PRESETS["default"], model="particles", particles=1024, particle_steps=400,
    particle_lr=0.02, k=1024, eval_k=32_768, max_eval_k=131_072, m=6, steps=0, lr=1e-3,
    projection=(256,),
    train_pool=32_768, floor_margin=2.7, kernel_fraction=0.8, log_every=100,
    search_options=IMAGE_SEARCH)
IMAGE_PRESETS = {
    "quick": dataclasses.replace(_IMAGES, particles=128, particle_steps=100, k=256,
                                 eval_k=1024, max_eval_k=0, train_pool=4096),
    "default": _IMAGES,
    # Trained at k = 4096 (not measured on images).
    "paper": dataclasses.replace(_IMAGES, particles=4096, particle_steps=2000, k=4096, m=30,
                                 steps=2000, train_pool=65_536, **_TRAINED_FLOOR),
}
# Photographs (image folders): evaluation tiles the held-out images into disjoint crops, so
# k is what the tiles allow (--lb_fit_to_data=k): tiles / M, with M = 3 and
# tiles = sum over held-out files of floor(H / crop) floor(W / crop); more held-out files
# (--test=DIR) or a smaller --crop raise it. Their crops are few, so no pool. Trained, with
# the floor and kernel of the vector presets: the recipe measured on photos (the untrained
# one of GAN images was not tried there).
PHOTO_PRESETS = {
    name: dataclasses.replace(config_, m=3, fit_to_data="k", train_pool=0,
                              steps={"quick": 50, "default": 300, "paper": 500}[name],
                              **_TRAINED_FLOOR)
    for name, config_ in IMAGE_PRESETS.items()
}
# Every mode search a preset evaluates with: each is checked against the search that prunes
# nothing (`exhaustive_test`).
PRESET_SEARCHES = tuple(sorted(
    {p.search_options for presets in (PRESETS, IMAGE_PRESETS, PHOTO_PRESETS)
     for p in presets.values()}, key=repr))


def plan(estimator, lambdas, seed, config_: LowerBoundConfig, source) -> List[estimators.Job]:
  """One job per lambda, or with `anneal` one job for all of them (one record per lambda)."""
  plan_ = estimators.one_job_for_all_lambdas if config_.anneal else estimators.one_job_per_lambda
  return plan_(estimator, lambdas, seed, config_, source)


def _not_applicable(source):
  if len(source.event_shape) not in (1, 3):
    return (f"the lower bound's log u is for vectors (n,) or images (H, W, C); "
            f"{source.name} has event shape {tuple(source.event_shape)}")
  return None


ESTIMATORS = (estimators.Estimator(
    name="lower_bound", run="rdbounds.lower.estimator:run", config_class=LowerBoundConfig,
    presets=PRESETS, image_presets=IMAGE_PRESETS, photo_presets=PHOTO_PRESETS, flag_prefix="lb_",
    not_applicable=_not_applicable, plan=plan, fit_to_source=finite_data.fit_preset,
    evaluation_options=EVALUATION_OPTIONS,
    description="Csiszar-dual lower bound: a trained log u gives lines R >= intercept - lambda D"),)
