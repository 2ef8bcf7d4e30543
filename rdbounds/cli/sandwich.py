r"""`rdbounds sandwich`: references, upper bounds, lower bounds and codecs over lambdas.

    rdbounds sandwich                            # the demo: banana, BA + UB + LB, quick
    rdbounds sandwich --source=gaussian --dim=2 \
        --estimators=analytic,upper_bound,lower_bound --lambdas=1,3,10 --out=runs/gauss

Writes OUT/curves.csv (one row per estimator, lambda and seed; columns: README.md, "Units and
the CSV"), OUT/curves.png and OUT/config.json (the request, every flag, the package versions
and the run's job ids). Re-running the same command resumes: finished jobs are kept, unfinished
ones continue from their checkpoints, and jobs added by `codecs` or `evaluate` stay part of the
run.
"""

from absl import flags

from rdbounds import estimators
from rdbounds import sources as sources_lib
from rdbounds.api import plan
from rdbounds.api import sandwich as sandwich_lib
from rdbounds.cli import config_flags

DEMO = dict(source="banana", estimators="blahut_arimoto,upper_bound,lower_bound",
            lambdas=",".join(f"{l:g}" for l in plan.VECTOR_LAMBDAS))

FLAGS = flags.FLAGS
flags.DEFINE_string("source", DEMO["source"],
                    f"Source kind: {', '.join(sources_lib.SOURCE_KINDS)}. Unset: the demo.")
flags.DEFINE_integer("dim", None, "Dimension: N(0, I_dim) for gaussian; embedding dimension for banana.")
flags.DEFINE_string("gaussian_params", None, ".npz with arrays loc and scale (gaussian source).")
flags.DEFINE_integer("atoms", None, "Deconvolution source: number of atoms m (default 16; placed "
                     "by --seed, uniform in [-3, 3]^dim).")
flags.DEFINE_float("noise_std", None, "Deconvolution source: noise standard deviation s "
                   "(default 0.5).")
flags.DEFINE_string("train", None, ".npy of training samples, [N, n] or [N, H, W, C] (npy source).")
flags.DEFINE_string("test", None, "Held-out data: a .npy of samples (npy source; default: a "
                    "seeded 10% of --train), or a folder of images (images source; default: a "
                    "seeded 10% of the files in --data).")
flags.DEFINE_integer("intrinsic_dim", None, "Active latent coordinates of the gan source.")
flags.DEFINE_string("gan_module", None, "Local path of a TF-Hub BigGAN-deep module (gan source).")
flags.DEFINE_integer("gan_class", None, "ImageNet class of the BigGAN module.")
flags.DEFINE_float("truncation", None, "Truncation of the BigGAN module.")
flags.DEFINE_enum("latent_draws", None, ["sobol", "iid"], "How the gan source's evaluation "
                  "draws spread their latents (default sobol: each sample of the source's law, "
                  "a draw evenly spread; docs/method.md).")
flags.DEFINE_string("data", None, "Folder of PNG/JPEG images (images source).")
flags.DEFINE_integer("crop", None, "Crop size in pixels (images source).")
flags.DEFINE_list("lambdas", DEMO["lambdas"], "Multipliers lambda (slope -lambda of R(D)). "
                  "Unset: the demo's, or for image sources a grid spanning about 0.1-1.4 bits "
                  "per pixel.")
flags.DEFINE_list("estimators", DEMO["estimators"].split(","),
                  "Estimators: analytic, blahut_arimoto, upper_bound, wgd, lower_bound, or a "
                  "codec (codec:scalar, codec:jpeg, ...; see `rdbounds codecs`). Unset: the "
                  "demo's, or with --source the source's default: upper_bound,lower_bound "
                  "(wgd,lower_bound for gan).")
flags.DEFINE_enum("preset", None, list(estimators.PRESET_NAMES),
                  "Estimator presets. Unset: 'quick' for the demo (no --source), else 'default'.")
flags.DEFINE_integer("seed", 0, "Seed of every job (and of the held-out split of finite data).")
flags.DEFINE_string("out", "runs/demo", "Output directory.")
flags.DEFINE_string("dask", None, "Run jobs on Dask: local:N (N worker processes here) or tcp://HOST:PORT.")
flags.DEFINE_enum("units", "nats", ["nats", "bits"], "Rate units of the plot (vector sources).")
flags.DEFINE_bool("keep_stale", False, "Keep the rows jobs in --out made with other code (another "
                  "version or source of rdbounds) instead of computing them again; they are "
                  "marked stale (CSV column stale_code).")
config_flags.define_all()


def source_options() -> dict:
  """The source's options but its kind and seed (`rdbounds.sandwich`'s `source_options`)."""
  options = dict(dim=FLAGS.dim, gaussian_params=FLAGS.gaussian_params, train=FLAGS.train,
                 test=FLAGS.test)
  optional = ("atoms", "noise_std", "intrinsic_dim", "gan_module", "gan_class", "truncation",
              "latent_draws", "data", "crop")
  options.update({name: FLAGS[name].value for name in optional if FLAGS[name].value is not None})
  return options


def preset() -> str:
  if FLAGS.preset:
    return FLAGS.preset
  # The demo (no --source) stays quick whatever else is set, e.g. --out.
  return "default" if FLAGS["source"].present else "quick"


def lambdas():
  """The flag's lambdas as numbers, or None when unset (the source's default)."""
  if not FLAGS["lambdas"].present:
    return None
  try:
    return [float(l) for l in FLAGS.lambdas]
  except ValueError:
    raise ValueError(f"--lambdas must be numbers, got {','.join(FLAGS.lambdas)}") from None


def estimator_names():
  """The flag's estimators, or None when unset with --source (the source's default)."""
  if FLAGS["estimators"].present or not FLAGS["source"].present:
    return FLAGS.estimators
  return None


def main(argv):
  if len(argv) > 1:
    raise ValueError(f"unexpected arguments {' '.join(argv[1:])} (flags are --name=value)")
  # Every estimator's flags that are set, so that one for an estimator not in the run is
  # refused rather than ignored.
  options = {e.name: config_flags.overrides(e) for e in estimators.all_estimators()}
  command_line = dict(flags={f.name: f.value for f in FLAGS.get_flags_for_module(__name__)},
                      estimator_flags=config_flags.all_overrides())
  result = sandwich_lib.sandwich(
      FLAGS.source, lambdas=lambdas(), estimators=estimator_names(), preset=preset(),
      out=FLAGS.out, seed=FLAGS.seed, options={k: v for k, v in options.items() if v},
      source_options=source_options(), dask=FLAGS.dask, units=FLAGS.units,
      log=lambda line: print(line, flush=True), provenance=command_line,
      keep_stale=FLAGS.keep_stale)
  return 1 if result.failed else 0
