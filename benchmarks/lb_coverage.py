"""Benchmark: does the lower bound's confidence interval cover what it claims to (issue 13)?

The evaluator (`rdbounds.lower.evaluator`) turns M draws of k samples into M estimates
xi_j = A_j - log alpha_j - C_j / alpha_j + 1 (alpha_j from the other M - 1 draws) and
reports their mean with a 95% interval whose low end a user quotes as a lower confidence
limit. E[xi | alpha] <= F(lambda) is proven; the interval's coverage is not, because xi has
a heavy left tail (a rare draw with a large C_k). This benchmark measures it on sources whose F and a fixed u are
known:

  gauss{n}_l{lambda}_*: X ~ N(0, I_n). At lambda the optimal reproduction is
    N(0, (1 - D) I) with D = n / (2 lambda), and u*(x) = E_Y exp(-lambda rho(x, Y)) =
    (D)^(n/2) exp(-|x|^2 / 2) (per coordinate a Gaussian integral: 1 + 2 beta (1 - D) = 1/D
    with beta = lambda / n = 1 / (2 D)). F = (n/2) ln(1/D) + n/2.
  mix{n}_*: X = a_J + N, J uniform on m = 8 atoms a_j drawn uniformly in [-3, 3]^n (seed 0),
    N ~ N(0, s^2 I) with s = 0.5, at lambda = n / (2 s^2), where u*(x) = mean_j exp(-lambda
    rho(x, a_j)) exactly and F = E[-log u*(X)] (Monte Carlo, 2e6 samples, its SE shown).
  *_exact: u = u*. Then 1/u*(X) has infinite mean (for the Gaussian, p(x) / u*(x) is
    constant), so E[C_k] >= E[max_i 1/(k u*(x_i))] = inf and E[xi | alpha] = -inf: no
    interval covers it, and only coverage of F is reported.
  *_floor: u = u* + tau (tau = e^-7 by default): 1/u <= 1/tau keeps every moment finite;
    this is what a well-trained u looks like (a network does not follow u* into the tails).

And at each preset's own M, on what users run (`TRAINED`): the log u one `lower_bound` job
of the preset makes (banana: trained, F from Blahut-Arimoto; GAN images at d = 2: WGD's
particles, F unknown), drawn at the preset's k and M with its search and projection, as
`rdbounds evaluate` would draw them under other evaluation seeds.

Method. Per case, N = M x repetitions independent draws (fresh samples; C_k by the
evaluator's exhaustive mode search, `evaluator.draw_statistics`), cached in `--draws_dir`
(a rerun resumes and extends them). Repetition r uses the disjoint draws Mr .. M(r+1) - 1
exactly as `evaluator.evaluate` uses one group. Its truth is the mean over j of
E[xi | alpha_j] = E[A] - log alpha_j - E[C_k] / alpha_j + 1, with E[A] and E[C_k] the means
over all N draws (the long run; each repetition contributes 1/repetitions of it). "E[xi]"
in the table is that truth at alpha = E[C_k] (the largest it can be), with its standard error.
A repetition "covers" when its interval's low end is <= its truth; nominal is the low end's
one-sided level. Printed per case and interval: coverage (with its binomial SE), coverage of
F, and the distance from the mean to the low end (mean, median, 90% quantile, largest: at
small M the width has a long tail).

Usage:
  python benchmarks/lb_coverage.py [--cases=gauss2_l3_floor,...] [--k=4096] [--m=30]
      [--repetitions=200] [--draws_dir=/tmp/lb_coverage] [--tau=0.000911882] [--also_m=3,5]
  python benchmarks/lb_coverage.py --cases=gan2_default_l300 --repetitions=200 --also_m=2,4,5,6
  (--k and --m apply to the known-u cases; a trained case draws at its preset's.)
"""

import dataclasses
import math
import os
import tempfile
import time
from typing import Callable, Optional

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

import rdbounds
from rdbounds import estimators
from rdbounds import sources
from rdbounds.lower import estimator
from rdbounds.lower import evaluator
from rdbounds.lower import interval
from rdbounds.lower.search.options import SearchOptions
from rdbounds.sources import base
from rdbounds.sources import gaussian
from rdbounds.sources import rescaled

flags.DEFINE_list("cases", ["gauss2_l3_floor", "gauss2_l10_floor", "gauss4_l10_floor",
                            "mix2_floor", "gauss2_l3_exact", "mix2_exact"], "Cases to run.")
flags.DEFINE_integer("k", 4096, "Samples per draw.")
flags.DEFINE_integer("m", 30, "Draws per repetition (M).")
flags.DEFINE_integer("repetitions", 200, "Repetitions of the evaluation per case.")
flags.DEFINE_list("also_m", [], "Other M to report from the same draws (fewer repetitions: "
                  "draws // M).")
flags.DEFINE_float("tau", math.exp(-7), "Floor added to u* in the *_floor cases.")
flags.DEFINE_string("draws_dir", "/tmp/lb_coverage", "Cache of per-draw (A, log C_k).")
flags.DEFINE_integer("seed", 0, "Seed of the draws.")
flags.DEFINE_bool("smoke", False, "The smallest case (gauss2_l3_floor, k = 64, M = 3, 3 "
                  "repetitions, draws cached in a temporary folder): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS

ATOMS, NOISE_SCALE, ATOM_SEED = 8, 0.5, 0


class MixtureSource(base.Source):
  """X = a_J + s N: J uniform on `atoms`, N ~ N(0, I_n); deconvolution's simplest case."""

  def __init__(self, atoms: np.ndarray, noise_scale: float):
    self.atoms = np.asarray(atoms, np.float64)
    self.noise_scale = float(noise_scale)
    self.event_shape = (self.atoms.shape[1],)
    self.name = f"mixture-dim={self.atoms.shape[1]}-atoms={len(self.atoms)}"

  def _sample(self, batch_size, seed, split):
    index = tf.random.stateless_uniform([batch_size], seed, 0, len(self.atoms), dtype=tf.int32)
    noise = tf.random.stateless_normal([batch_size, self.dim],
                                       tf.random.experimental.stateless_fold_in(seed, 1))
    return tf.gather(tf.constant(self.atoms, tf.float32), index) + self.noise_scale * noise


@dataclasses.dataclass(frozen=True)
class Case:
  source: base.Source
  lmbda: float
  log_u: Callable  # [k, n] float32 -> [k] log u (nats)
  truth: float  # F(lambda), nats (nan: not known)
  truth_se: float  # its Monte Carlo standard error (0 if closed form)
  finite_mean: bool  # E[C_k] < inf, so E[xi | alpha] is finite
  # Trained cases: the preset's draws per seed, samples per draw, search and projection.
  m: Optional[int] = None
  k: Optional[int] = None
  search_options: Optional[SearchOptions] = None
  projection: Optional[object] = None


# A log u trained (or, for the GAN presets, placed by WGD) by the lower-bound estimator itself,
# as a user's sweep would: (source kind, source options, preset, lambda, evaluation k). The GAN
# default evaluates at k = 32768 (about 35 s a draw here): its log u is measured at k = 4096,
# with the floor set for that k as the estimator sets it for any eval_k.
TRAINED = {
    "banana_quick_l10": ("banana", {}, "quick", 10.0, None),
    "banana_default_l10": ("banana", {}, "default", 10.0, None),
    "gan2_quick_l300": ("gan", {"intrinsic_dim": 2}, "quick", 300.0, None),
    "gan2_default_l300": ("gan", {"intrinsic_dim": 2}, "default", 300.0, 4096),
}


def trained_case(name: str, directory: str) -> Case:
  """The log u of one `lower_bound` job of `TRAINED[name]` (trained once, kept in
  `directory`), in the standardized units it was trained in."""
  kind, source_options, preset, lmbda, eval_k = TRAINED[name]
  source = sources.make_source(kind=kind, **source_options)
  entry = estimators.get("lower_bound")
  preset_config = entry.preset_for(preset, source)
  eval_k = eval_k or preset_config.eval_k or preset_config.k
  # The job's own evaluation is not used: two draws, the fewest it takes.
  options = {"eval_k": eval_k, "max_eval_k": 0, "m": 2, "fit_to_data": "refuse"}
  out = os.path.join(directory, f"{name}-model")
  # F from Blahut-Arimoto where it applies (banana), else unknown.
  names = ["lower_bound"] + (["blahut_arimoto"] if source.quadratic_view() else [])
  result = rdbounds.sandwich(kind, lambdas=[lmbda], estimators=names, preset=preset,
                             out=out, options={"lower_bound": options},
                             source_options=source_options or None, log=lambda line: None)
  record, = [r for r in result.records if r.estimator == "lower_bound"]
  truth = [r.intercept_nats for r in result.records if r.estimator == "blahut_arimoto"]
  config = dataclasses.replace(preset_config, **options)
  units = rescaled.Rescaled.of(source, 0)
  log_u = estimator.build_log_u(units, config, 0)
  estimator.read_snapshot(log_u, os.path.join(out, "jobs", record.run_id, "anneal",
                                              f"lambda={lmbda:g}"))
  return Case(units, units.lmbda(lmbda), log_u, truth[0] if truth else math.nan, 0.0, True,
              m=preset_config.m, k=eval_k,
              search_options=config.search_options,
              projection=estimator.principal_projection(units, config, 0))


def _floored(log_u, tau):
  if tau <= 0:
    return log_u
  return lambda x: tf.math.log(tf.exp(log_u(x)) + tau)


def make_case(name: str, tau: float) -> Case:
  family, rest = name.split("_", 1)
  floor = tau if rest.endswith("floor") else 0.0
  n = int(family[-1])
  if family.startswith("gauss"):
    lmbda = float(rest.split("_")[0][1:])
    d = n / (2 * lmbda)
    source = gaussian.GaussianSource.standard(n)
    log_u = lambda x: 0.5 * n * math.log(d) - 0.5 * tf.reduce_sum(tf.square(x), axis=1)
    return Case(source, lmbda, _floored(log_u, floor), float(source.analytic.intercept(lmbda)),
                0.0, floor > 0)
  atoms = np.random.default_rng(ATOM_SEED).uniform(-3, 3, (ATOMS, n))
  source = MixtureSource(atoms, NOISE_SCALE)
  lmbda = n / (2 * NOISE_SCALE**2)
  atoms32 = tf.constant(atoms, tf.float32)

  def log_u(x):
    rho = tf.reduce_mean(tf.square(x[:, None, :] - atoms32[None]), axis=2)  # [k, m]
    return tf.reduce_logsumexp(-lmbda * rho, axis=1) - math.log(ATOMS)

  # F = E[-log u*(X)] at this lambda (u* is BA-optimal there), in float64.
  x = source.sample(2_000_000, seed=12345).numpy().astype(np.float64)
  neg_log_u = []
  for chunk in np.array_split(x, 20):
    rho = np.mean((chunk[:, None, :] - atoms[None])**2, axis=2)
    neg_log_u.append(-(np.logaddexp.reduce(-lmbda * rho, axis=1) - math.log(ATOMS)))
  neg_log_u = np.concatenate(neg_log_u)
  return Case(source, lmbda, _floored(log_u, floor), float(neg_log_u.mean()),
              float(neg_log_u.std() / math.sqrt(neg_log_u.size)), floor > 0)


def draws(name: str, case: Case, k: int, count: int, seed: int, directory: str,
          log=print) -> np.ndarray:
  """`[count, 2]` (A, log C_k) of draws 0..count-1, computed or read from the cache."""
  path = os.path.join(directory, f"{name}-k={k}-seed={seed}.npy")
  done = np.load(path) if os.path.exists(path) else np.zeros([0, 2])
  if len(done) >= count:
    return done[:count]
  os.makedirs(directory, exist_ok=True)
  batches = case.source.test_batches(k, 10**9, seed=(seed, k))  # draw j: stateless, fresh
  log_u = tf.function(case.log_u, reduce_retracing=True)
  rows, started, saved = list(done), time.time(), time.time()
  for j in range(len(done), count):
    statistics = evaluator.draw_statistics(log_u, batches[j], case.lmbda, case.search_options,
                                           case.projection)  # raises if unconverged
    rows.append((statistics.mean_neg_log_u, statistics.log_c_k))
    if (j + 1) % 200 == 0 or j + 1 == count or time.time() - saved > 60:
      saved = time.time()
      np.save(path, np.array(rows))
      log(f"  {name}: {j + 1}/{count} draws, {(time.time() - started) / (j + 1 - len(done)):.3f}"
          " s per draw")
  return np.array(rows)


@dataclasses.dataclass(frozen=True)
class Coverage:
  covered: float  # fraction of repetitions whose low end is <= E[xi | alpha]
  covered_both: float  # ... whose interval holds E[xi | alpha] (low end <= it <= high end)
  covered_f: float  # ... whose low end is <= F (nan: F unknown)
  depth: float  # mean of (mean - low end), nats
  depth_median: float  # its median, 90% quantile and largest value: the width's tail
  depth_p90: float
  depth_max: float


def coverage(interval, table, m, truth_a, truth_c, truth_f, finite_mean) -> Coverage:
  reps = len(table) // m
  hits, hits_both, hits_f, depths = 0, 0, 0, []
  for r in range(reps):
    group = table[m * r:m * (r + 1)]
    log_alpha, xi = evaluator.xi_leave_one_out(group[:, 0], group[:, 1])
    mean, low, high = interval(xi)
    truth = (float(np.mean(truth_a - log_alpha - truth_c / np.exp(log_alpha) + 1))
             if finite_mean else -math.inf)
    hits += low <= truth
    hits_both += low <= truth <= high
    hits_f += low <= truth_f
    depths.append(mean - low)
  return Coverage(hits / reps, hits_both / reps,
                  hits_f / reps if not math.isnan(truth_f) else math.nan, float(np.mean(depths)),
                  *(float(v) for v in np.quantile(depths, [0.5, 0.9, 1.0])))


INTERVALS = {
    # label: (interval, nominal one-sided level of its low end). The evaluator reports the
    # 95% union interval; the 90% rows show the low ends at a one-sided 95% level.
    "t 95%": (interval.student_t_interval, 0.975),
    "new 95%": (interval.confidence_interval, 0.975),
    "t 90%": (lambda xi: interval.student_t_interval(xi, 0.90), 0.95),
    "new 90%": (lambda xi: interval.confidence_interval(xi, 0.90), 0.95),
}


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.cases, FLAGS.k, FLAGS.m, FLAGS.repetitions = ["gauss2_l3_floor"], 64, 3, 3
    FLAGS.draws_dir = tempfile.mkdtemp(prefix="lb_coverage_smoke-")
  reps = FLAGS.repetitions
  rows = []
  for name in FLAGS.cases:
    case = (trained_case(name, FLAGS.draws_dir) if name in TRAINED
            else make_case(name, FLAGS.tau))
    k, m = case.k or FLAGS.k, case.m or FLAGS.m
    table = draws(name, case, k, m * reps, FLAGS.seed, FLAGS.draws_dir)
    a, c = table[:, 0].mean(), np.exp(table[:, 1]).mean()
    if case.finite_mean:
      # E[xi | alpha = c] = E[A] - log c; delta-method SE of the mean of A - C / c.
      se = np.std(table[:, 0] - np.exp(table[:, 1]) / c) / math.sqrt(len(table))
      expected = f"{a - math.log(c):.4f} +- {se:.4f}"
    else:
      expected = "-inf (proven)"
    truth = ("?" if math.isnan(case.truth) else f"{case.truth:.4f}"
             + (f" +- {case.truth_se:.4f}" if case.truth_se else ""))
    for m_ in [m] + [int(v) for v in FLAGS.also_m if int(v) != m]:
      count = len(table) // m_
      for label, (interval_fn, nominal) in INTERVALS.items():
        result = coverage(interval_fn, table, m_, a, c, case.truth, case.finite_mean)
        se = math.sqrt(result.covered * (1 - result.covered) / count)
        rows.append(f"{name:<19} {k:>6} {m_:>3} {count:>5} {expected:>18} {truth:>17} "
                    f"{label:>8} {nominal:>7.1%} {result.covered:>7.1%} +- {se:.1%} "
                    f"{2 * nominal - 1:>7.0%} {result.covered_both:>7.1%} "
                    f"{result.covered_f:>8.1%} {result.depth:>8.4f} {result.depth_median:>8.4f} "
                    f"{result.depth_p90:>8.4f} {result.depth_max:>8.3f}")
  print(f"M draws per repetition (tau={FLAGS.tau:.4g} in *_floor cases); the low end covers "
        "when it is <= E[xi | alpha], the interval when that lies inside it")
  print(f"{'case':<19} {'k':>6} {'M':>3} {'reps':>5} {'E[xi] (+- se)':>18} {'F':>17} "
        f"{'interval':>8} "
        f"{'nominal':>7} {'low end covers':>16} {'nominal':>7} {'interval':>7} "
        f"{'covers F':>8} {'mean-low':>8} {'median':>8} {'90%':>8} {'largest':>8}")
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)
