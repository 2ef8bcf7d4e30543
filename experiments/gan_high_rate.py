"""The GAN source's high-rate asymptote of F(lambda), beside a run's bounds: which side is loose.

    .venv/bin/python experiments/gan_high_rate.py --intrinsic_dim=4 --lambdas=500,1000,2000 \
        --curves=runs/gan4/curves.csv

The asymptote (`rdbounds/high_rate.py`) is h_M + d/2 ln(lambda / pi), h_M the source's entropy
on its d-manifold, estimated from the generator's Jacobian at `--samples` latents. It is not
a bound: where the rate is high it is where R(D) tends, so a sandwich whose upper side sits on
it has its gap on the lower side. With `--curves` (a sandwich's CSV) each lambda's tightest
upper point (R + lambda D of an achievable row) and highest lower line (its interval's low end)
are printed beside it.
"""

from absl import app
from absl import flags

from rdbounds import curves
from rdbounds import high_rate
from rdbounds.sources import gan

flags.DEFINE_integer("intrinsic_dim", 2, "Active latent coordinates d of the shipped GAN.")
flags.DEFINE_list("lambdas", ["1000", "3000"], "Lambdas to print.")
flags.DEFINE_integer("samples", 16384, "Latents the manifold's entropy is averaged over.")
flags.DEFINE_integer("seed", 0, "Seed of the latents.")
flags.DEFINE_string("curves", None, "A sandwich's curves.csv whose rows are printed beside.")
FLAGS = flags.FLAGS


def _bounds_at(records, lmbda):
  """(tightest achievable R + lambda D, highest line's low end) among `records` at `lmbda`."""
  here = [r for r in records if r.lmbda is not None and abs(r.lmbda - lmbda) <= 1e-9 * lmbda]
  upper = [r.rate_nats + r.lmbda * r.distortion for r in here
           if r.has_point and curves.is_achievable(r.estimator)]
  lower = [r.intercept_bound for r in here if r.estimator == "lower_bound" and r.has_line]
  return min(upper, default=None), max(lower, default=None)


def _beside(value, asymptote):
  """A bound and how far it lies from the asymptote, or blank."""
  return "" if value is None else f"{value:.3f} ({100 * (value / asymptote - 1):+.1f}%)"


def main(argv):
  del argv
  try:
    lambdas = [float(s) for s in FLAGS.lambdas]
    if not all(l > 0 for l in lambdas):
      raise ValueError(f"--lambdas must be positive, got {FLAGS.lambdas}")
    records = curves.read_csv(FLAGS.curves) if FLAGS.curves else []
    source = gan.GanSource.shipped(FLAGS.intrinsic_dim)
  except (OSError, ValueError) as e:  # a missing or foreign CSV, a bad lambda or d
    raise app.UsageError(str(e)) from None
  asymptote = high_rate.for_gan(source, FLAGS.samples, FLAGS.seed)
  print(f"{source.name}: h_M = {asymptote.manifold_entropy_nats:.3f} "
        f"+- {asymptote.manifold_entropy_se:.3f} nats ({FLAGS.samples} latents)")
  print("| lambda | D = d / (2 lambda) | asymptote R | asymptote F | UB R + lambda D "
        "| LB low end |")
  print("|---|---|---|---|---|---|")
  for lmbda in lambdas:
    distortion, rate = asymptote.point(lmbda)
    intercept = float(asymptote.intercept(lmbda))
    upper, lower = _bounds_at(records, lmbda)
    print(f"| {lmbda:g} | {distortion:.3g} | {rate:.3f} | {intercept:.3f} "
          f"| {_beside(upper, intercept)} | {_beside(lower, intercept)} |")


if __name__ == "__main__":
  app.run(main)
