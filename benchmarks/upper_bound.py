"""Benchmark of the beta-VAE upper bound: speed, memory and gap to the true R(D).

For each case (Gaussian n=2, Gaussian n=16 with unequal variances, 2-d banana, and the
multimodal deconvolution sources: n=4 with 16 atoms and s=0.5, n=8 with 32 atoms and s=0.6,
atoms placed by --atom_seed), preset and lambda, trains and evaluates one model in a fresh
subprocess (so peak memory is per run) as the `upper_bound` estimator does (in standardized
units) and prints one table row:

  steps/s      training steps per second (whole run, compilation included)
  s/lambda     wall seconds of training + held-out evaluation
  peak MB      peak resident memory of the subprocess
  D, R         held-out point (MSE per dim, nats), R's standard error
  R(D)         the true R(D) at the achieved D (Gaussians, deconvolution where D <= s^2)
  gap R %      R / R(D) - 1 at the achieved D; '-' where R(D) ~ 0 or unknown
  gap R        R - R(D) in nats at the achieved D
  gap L        R + lambda D - F(lambda) in nats, F = the true intercept (Gaussians) or Blahut-
               Arimoto's upper bound on it (banana). It bounds the rate gap at the achieved D.
  L se         standard error of R + lambda D (D's noise included, unlike R se)

    python benchmarks/upper_bound.py --presets=quick,default --lambdas=1,3,10

Lambdas are per the 2-d scale: the n-d Gaussians run at lambda * n / 2 (see --scale_lambdas).
The deconvolution cases run at lambda_min = n / (2 s^2) times --deconv_multiples, where the
closed form holds.

    python benchmarks/upper_bound.py --presets=default --cases=deconv4,deconv8 --atom_seed=1

With --step_overhead, it instead measures what the project's training loop costs: per case
and preset, steps/s of `upper.vector_bound`'s step run by `training.Trainer` (chunks of compiled
steps, data drawn per chunk, finite-loss check, schedules) against a plain compiled loop of
the same model, loss and Adam update on data drawn inside the graph, side by side in this
process, each timed after a first call that compiles it.

    python benchmarks/upper_bound.py --step_overhead --cases=gaussian2,deconv4 --presets=default
"""

import concurrent.futures
import multiprocessing
import os
import resource
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASES = ("gaussian2", "gaussian16", "banana", "deconv4", "deconv8")
DECONVOLUTION = ("deconv4", "deconv8")  # `sources.deconvolution.BENCHMARK_SOURCES`

flags.DEFINE_list("presets", ["quick", "default"], "Presets to run (paper takes hours).")
flags.DEFINE_list("cases", list(CASES), "Cases among " + ", ".join(CASES) + ".")
flags.DEFINE_list("lambdas", ["1", "3", "10"], "Multipliers lambda.")
flags.DEFINE_boolean("scale_lambdas", True,
                     "Multiply lambdas by n / 2 for the n-d Gaussians, so every case sees the same "
                     "water level theta = n / (2 lambda) (otherwise n = 16 sits at R = 0).")
flags.DEFINE_list("deconv_multiples", ["1", "2", "4"],
                  "Deconvolution cases: lambdas as multiples of lambda_min = n / (2 s^2).")
flags.DEFINE_integer("atom_seed", 0, "Deconvolution cases: seed of the atoms.")
flags.DEFINE_list("overrides", [], "Upper-bound options set on top of each preset, e.g. "
                  "prior=maf,steps=20000 (names as in UpperBoundConfig).")
flags.DEFINE_integer("seed", 0, "Seed of every run.")
flags.DEFINE_integer("ba_samples", 1_000_000, "Samples of the Blahut-Arimoto reference.")
flags.DEFINE_integer("ba_bins", 100, "Bins per axis of the Blahut-Arimoto reference.")
flags.DEFINE_boolean("step_overhead", False,
                     "Compare the training loop's steps/s with a plain compiled loop instead.")
flags.DEFINE_integer("overhead_steps", 2000, "Timed steps of --step_overhead.")
flags.DEFINE_bool("smoke", False, "The smallest case (N(0, I_2) at lambda 3, the quick preset "
                  "for 100 steps, a 20-bin reference; then --step_overhead over 20 steps): "
                  "that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS


def make_source(case, atom_seed=0):
  import numpy as np  # pylint: disable=g-import-not-at-top
  from rdbounds import sources  # pylint: disable=g-import-not-at-top
  if case == "gaussian2":
    return sources.GaussianSource.standard(2)
  if case == "gaussian16":
    # The recipe of experiments/make_gaussian_params.py: variances ~ U(0, 2], seed 0.
    rng = np.random.default_rng(0)
    loc = rng.uniform(-0.5, 0.5, 16)
    variance = 2.0 - rng.uniform(0.0, 2.0, 16)
    return sources.GaussianSource(loc, np.sqrt(variance), name="gaussian-dim=16-unequal")
  if case == "banana":
    return sources.BananaSource(2)
  if case in DECONVOLUTION:
    from rdbounds.sources import deconvolution  # pylint: disable=g-import-not-at-top
    return deconvolution.DeconvolutionSource(seed=atom_seed,
                                             **deconvolution.BENCHMARK_SOURCES[case])
  raise ValueError(f"unknown case {case!r}; valid: {', '.join(CASES)}")


def run_one(case, preset, lmbda, seed, overrides, atom_seed):
  """Runs in a subprocess: trains and evaluates; returns a dict of measurements."""
  from rdbounds.sources import rescaled  # pylint: disable=g-import-not-at-top
  from rdbounds.upper import config as ub_config  # pylint: disable=g-import-not-at-top
  from rdbounds.upper import vector_bound as ub  # pylint: disable=g-import-not-at-top
  source = make_source(case, atom_seed)
  config = ub_config.PRESETS[preset].override(**overrides)
  started = time.time()
  units = rescaled.Rescaled.of(source, seed)  # As the estimator does (`upper.vector_bound.run`).
  _, result, ev = ub.train_and_evaluate(units, config, units.lmbda(lmbda), seed=seed,
                                        log=lambda line: None)
  seconds = time.time() - started
  peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
  return dict(steps=result.steps, train_seconds=result.seconds, seconds=seconds, peak_mb=peak_mb,
              distortion=units.distortion(ev.distortion.mean), rate=ev.rate.mean,
              rate_se=ev.rate.se, lagrangian=ev.lagrangian.mean, lagrangian_se=ev.lagrangian.se,
              n_eval=ev.n_eval)


def _model_and_step(case, preset, lmbda):
  """A fresh default-built model of the estimator, its optimizer and its compiled-step body."""
  from rdbounds.sources import rescaled  # pylint: disable=g-import-not-at-top
  from rdbounds.upper import config as ub_config  # pylint: disable=g-import-not-at-top
  from rdbounds.upper import vector_bound as ub  # pylint: disable=g-import-not-at-top
  from rdbounds.upper import train as ub_train  # pylint: disable=g-import-not-at-top
  units = rescaled.Rescaled.of(make_source(case, FLAGS.atom_seed), FLAGS.seed)
  config = ub.resolve(ub_config.PRESETS[preset], units.lmbda(lmbda), units.dim)
  model = ub.build_model(config, units.event_shape, FLAGS.seed, units.lmbda(lmbda))
  ub.init_prior(model, config, units, FLAGS.seed)
  optimizer = ub_train.make_optimizer(config.lr, 2 * FLAGS.overhead_steps)
  ub_train.build_optimizer_state(optimizer, model)
  return units, config, model, optimizer


def _loop_rate(case, preset, lmbda, steps):
  """Steps/s of the project's loop (`training.Trainer`) over `steps` steps after one
  compiled chunk (compilation excluded)."""
  from rdbounds import training  # pylint: disable=g-import-not-at-top
  from rdbounds.upper import train as ub_train  # pylint: disable=g-import-not-at-top
  units, config, model, optimizer = _model_and_step(case, preset, lmbda)
  one_step = ub_train.make_one_step(
      model, optimizer, ub_train.rate_plus_lambda_distortion(units.lmbda(lmbda)), FLAGS.seed,
      config.clip_norm)
  warm = config.steps_per_call
  trainer = training.Trainer(one_step, {"model": model, "optimizer": optimizer}, units,
                             batch_size=config.batch, seed=FLAGS.seed, num_steps=warm + steps,
                             workdir=None, checkpoint_every=warm + steps, log_every=10**9,
                             steps_per_call=config.steps_per_call, log=lambda line: None)
  trainer.run(until=warm)
  started = time.time()
  trainer.run()
  return steps / (time.time() - started)


def _plain_rate(case, preset, lmbda, steps):
  """Steps/s of a plain compiled loop (same model, loss and Adam; data drawn in the graph,
  i.i.d. normal of the same shape: the step's cost does not depend on the values), after a
  first call that compiles it."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  units, config, model, optimizer = _model_and_step(case, preset, lmbda)
  variables = model.trainable_variables
  lmbda = tf.constant(units.lmbda(lmbda), tf.float32)

  @tf.function
  def loop(n):
    for i in tf.range(n):
      x = tf.random.stateless_normal([config.batch, units.dim], seed=tf.stack([0, i]))
      with tf.GradientTape() as tape:
        out = model(x, tf.stack([1, i]))
        loss = tf.reduce_mean(out["rate"]) + lmbda * tf.reduce_mean(out["distortion"])
      optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

  loop(tf.constant(2))
  started = time.time()
  loop(tf.constant(steps))
  return steps / (time.time() - started)


def step_overhead():
  steps = FLAGS.overhead_steps
  lmbda = float(FLAGS.lambdas[0])
  print(f"steps/s at lambda={lmbda:g} over {steps} steps, compilation excluded")
  print(f"{'case':<12} {'preset':<8} {'project loop':>13} {'plain loop':>11} {'ratio':>6}")
  for case in FLAGS.cases:
    for preset in FLAGS.presets:
      project = _loop_rate(case, preset, lmbda, steps)
      plain = _plain_rate(case, preset, lmbda, steps)
      print(f"{case:<12} {preset:<8} {project:>13.0f} {plain:>11.0f} {plain / project:>6.2f}",
            flush=True)


def reference(case, lambdas):
  """lambda -> (intercept F(lambda), R(D) function or None)."""
  source = make_source(case, FLAGS.atom_seed)
  if source.analytic is not None:
    return {l: (float(source.analytic.intercept(l)), source.analytic.rate) for l in lambdas}
  from rdbounds import blahut_arimoto  # pylint: disable=g-import-not-at-top
  view = source.quadratic_view()
  x = source.sample(FLAGS.ba_samples, seed=FLAGS.seed + 1000, split="test").numpy()
  results = blahut_arimoto.sweep_samples(view.to_base(x), lambdas, metric=view.metric,
                                         bins=FLAGS.ba_bins)
  return {l: (r.intercept_upper, None) for l, r in zip(lambdas, results)}


def main(argv):
  del argv
  if FLAGS.smoke:
    FLAGS.cases, FLAGS.presets, FLAGS.lambdas = ["gaussian2"], ["quick"], ["3"]
    FLAGS.overrides, FLAGS.ba_samples, FLAGS.ba_bins = ["steps=100"], 20_000, 20
    FLAGS.overhead_steps = 20
    table()
    step_overhead()
    return
  if FLAGS.step_overhead:
    step_overhead()
    return
  table()


def table():
  """The benchmark's table (module docstring)."""
  lambdas = [float(l) for l in FLAGS.lambdas]
  overrides = dict(item.split("=", 1) for item in FLAGS.overrides)
  if overrides:
    print(f"overrides: {overrides}")
  header = (f"{'case':<12} {'preset':<8} {'lambda':>6} {'steps':>7} {'steps/s':>8} "
            f"{'s/lambda':>9} {'peak MB':>8} {'D':>8} {'R':>8} {'R se':>7} {'R(D)':>8} {'gap R %':>8} "
            f"{'gap R':>8} {'gap L':>8} {'L se':>7}")
  print(header)
  print("-" * len(header))
  context = multiprocessing.get_context("spawn")
  for case in FLAGS.cases:
    case_lambdas = lambdas
    if FLAGS.scale_lambdas and case.startswith("gaussian"):
      case_lambdas = [l * make_source(case).dim / 2 for l in lambdas]
    if case in DECONVOLUTION:
      case_lambdas = [float(k) * make_source(case, FLAGS.atom_seed).analytic.min_lambda
                      for k in FLAGS.deconv_multiples]
    truth = reference(case, case_lambdas)
    for preset in FLAGS.presets:
      for lmbda in case_lambdas:
        # A fresh process per run: independent peak memory, no state carried over.
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
          m = pool.submit(run_one, case, preset, lmbda, FLAGS.seed, overrides,
                          FLAGS.atom_seed).result()
        intercept, rate_fn = truth[lmbda]
        gap_r = gap_pct = true_rate_cell = "-"
        true_rate = float(rate_fn(m["distortion"])) if rate_fn is not None else float("nan")
        if true_rate == true_rate:  # NaN where the closed form does not reach the achieved D.
          true_rate_cell = f"{true_rate:.4f}"
          gap_r = f"{m['rate'] - true_rate:+.4f}"
          # A relative gap means nothing where the curve reaches R = 0.
          gap_pct = f"{100 * (m['rate'] / true_rate - 1):+.2f}" if true_rate > 1e-2 else "-"
        print(f"{case:<12} {preset:<8} {lmbda:>6g} {m['steps']:>7d} "
              f"{m['steps'] / m['train_seconds']:>8.0f} {m['seconds']:>9.1f} {m['peak_mb']:>8.0f} "
              f"{m['distortion']:>8.4f} {m['rate']:>8.4f} {m['rate_se']:>7.4f} {true_rate_cell:>8} "
              f"{gap_pct:>8} {gap_r:>8} "
              f"{m['lagrangian'] - intercept:>+8.4f} {m['lagrangian_se']:>7.4f}", flush=True)


if __name__ == "__main__":
  app.run(main)
