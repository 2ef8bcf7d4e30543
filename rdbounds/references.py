"""The reference estimators: the closed-form R(D) (`analytic`), Blahut-Arimoto, and the
high-rate asymptote of a GAN source (`high_rate`).

Analytic and BA rows carry a point and a line: analytic rows are exact; BA rows are the
converged point of the histogram source with Blahut's own bracket on the intercept in the CI
columns (exact for the histogram, which adds about bin^2/12 of variance per axis). High-rate
rows carry a point only: where R(D) tends as D -> 0, not a bound (`rdbounds/high_rate.py`).
"""

import dataclasses
import time

from rdbounds import config
from rdbounds import curves
from rdbounds import estimators


def _run_analytic(source, job, context):
  started = time.time()
  try:
    distortion, rate = source.analytic.point(job.lmbda)
    intercept = float(source.analytic.intercept(job.lmbda))
  except ValueError as e:  # e.g. theory.NoClosedForm below a source's smallest known slope
    context.log(f"analytic: {e}")
    return []
  return [curves.Record(
      source=source.name, estimator="analytic", lmbda=job.lmbda, distortion=float(distortion),
      rate_nats=float(rate), rate_nats_se=getattr(source.analytic, "rate_se", None),
      pixels_per_sample=source.pixels_per_sample,
      intercept_nats=intercept, intercept_ci_low=intercept, intercept_ci_high=intercept,
      seconds=time.time() - started, seed=job.seed, run_id=job.job_id)]


def _analytic_not_applicable(source):
  return None if source.analytic is not None else f"no closed-form R(D) for {source.name}"


@dataclasses.dataclass(frozen=True)
class BlahutArimotoConfig(config.Config):
  """Blahut-Arimoto on a histogram of a <= 2-d view of the source."""
  samples: int = config.option(1_000_000, "Blahut-Arimoto: samples behind the histogram.")
  bins: int = config.option(100, "Blahut-Arimoto: histogram bins per axis.")
  tol: float = config.option(
      1e-3, "Blahut-Arimoto: stop when Blahut's bounds on the intercept are this close (nats).")
  max_iterations: int = config.option(5000, "Blahut-Arimoto: iteration cap.")

  def validate(self):
    if self.samples < 1 or self.bins < 2 or self.max_iterations < 1 or not self.tol > 0:
      raise ValueError(f"Blahut-Arimoto needs samples >= 1, bins >= 2, max_iterations >= 1 "
                       f"and tol > 0, got {self}")


def _run_blahut_arimoto(source, job, context):
  from rdbounds import blahut_arimoto  # pylint: disable=g-import-not-at-top
  started = time.time()
  view = source.quadratic_view()
  options = job.config
  x = source.sample(options.samples, seed=job.seed, split="train").numpy()
  context.log(f"blahut_arimoto: {options.samples} samples, {options.bins} bins per axis")
  result, = blahut_arimoto.sweep_samples(
      view.to_base(x), [job.lmbda], metric=view.metric, bins=options.bins, tol=options.tol,
      max_iterations=options.max_iterations)
  if not result.converged:
    context.log(f"blahut_arimoto: bounds {result.intercept_upper - result.intercept_lower:.2g} "
                f"nats apart after {result.iterations} iterations at lambda={job.lmbda:g}")
  return [curves.Record(
      source=source.name, estimator="blahut_arimoto", lmbda=job.lmbda,
      distortion=result.distortion, rate_nats=result.rate_nats,
      intercept_nats=result.intercept_upper, intercept_ci_low=result.intercept_lower,
      intercept_ci_high=result.intercept_upper, ceiling_nats=result.entropy_nats,
      n_eval=options.samples,
      steps=result.iterations, seconds=time.time() - started, seed=job.seed,
      run_id=job.job_id)]


def _ba_not_applicable(source):
  if source.quadratic_view() is None:
    return f"Blahut-Arimoto needs a <= 2-d view of the source; {source.name} has none"
  return None


@dataclasses.dataclass(frozen=True)
class HighRateConfig(config.Config):
  """The high-rate asymptote of a GAN source (`rdbounds/high_rate.py`): not a bound."""
  samples: int = config.option(
      4096, "High-rate asymptote: latents its manifold entropy is averaged over.")

  def validate(self):
    if self.samples < 2:
      raise ValueError(f"the high-rate asymptote needs samples >= 2, got {self.samples}")


def _run_high_rate(source, job, context):
  from rdbounds import high_rate  # pylint: disable=g-import-not-at-top
  started = time.time()
  samples = job.config.samples
  context.log(f"high_rate: the generator's Jacobian at {samples} latents")
  asymptote = high_rate.for_gan(source, samples, seed=job.seed)
  records = []
  for lmbda in job.requested_lambdas:
    distortion, rate = asymptote.point(lmbda)
    # A point only: the asymptote is not a bound, so it draws no line R >= F - lambda D.
    records.append(curves.Record(
        source=source.name, estimator="high_rate", lmbda=lmbda, distortion=float(distortion),
        rate_nats=float(rate), rate_nats_se=asymptote.manifold_entropy_se,
        pixels_per_sample=source.pixels_per_sample, n_eval=samples,
        seconds=time.time() - started, seed=job.seed, run_id=job.job_id))
  return records


def _high_rate_not_applicable(source):
  if hasattr(source, "active_latents") and hasattr(source, "decode"):
    return None
  return (f"the high-rate asymptote needs a source generated from known latents (gan); "
          f"{source.name} is not one")


ESTIMATORS = (
    estimators.Estimator(
        name="analytic", run=_run_analytic, not_applicable=_analytic_not_applicable,
        description="closed-form R(D) (Gaussians by water-filling, deconvolution sources)"),
    estimators.Estimator(
        name="blahut_arimoto", run=_run_blahut_arimoto, config_class=BlahutArimotoConfig,
        presets={
            "quick": BlahutArimotoConfig(samples=200_000, bins=60, max_iterations=3000),
            "default": BlahutArimotoConfig(),
            "paper": BlahutArimotoConfig(samples=4_000_000, bins=140, tol=1e-4,
                                         max_iterations=20_000),
        },
        flag_prefix="ba_", not_applicable=_ba_not_applicable,
        description="Blahut-Arimoto on a histogram of a 1-D/2-D view of the source"),
    estimators.Estimator(
        name="high_rate", run=_run_high_rate, config_class=HighRateConfig,
        presets={"quick": HighRateConfig(samples=1024), "default": HighRateConfig(),
                 "paper": HighRateConfig(samples=16384)},
        flag_prefix="hr_", not_applicable=_high_rate_not_applicable,
        plan=estimators.one_job_for_all_lambdas,  # one h_M serves every lambda
        description="the high-rate asymptote of a GAN source's R(D), not a bound"),
)
