"""Wall time of one 6-job sweep in-process and on a 2-worker Dask LocalCluster.

    python benchmarks/sweep.py [--estimator=upper_bound] [--preset=quick]

Six jobs (lambda in {1, 3, 10} x seeds {0, 1}) on the banana, run once in this process and
once on `--dask=local:2`, each into a fresh directory (nothing cached). Prints the wall time of
each, the speed-up, and whether the two runs gave the same rows.
"""

import os
import tempfile
import time

from absl import app
from absl import flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rdbounds import estimators  # pylint: disable=g-import-not-at-top
from rdbounds import sources
from rdbounds import sweep

flags.DEFINE_string("estimator", "upper_bound", "Estimator of the six jobs.")
flags.DEFINE_string("preset", "quick", "Preset of the jobs.")
flags.DEFINE_integer("workers", 2, "Dask workers.")
flags.DEFINE_bool("smoke", False, "The smallest case (six Blahut-Arimoto jobs on a 20-bin "
                  "histogram of 20,000 samples): that the benchmark runs (`make bench-smoke`), not a measurement.")
FLAGS = flags.FLAGS

SOURCE = sources.SourceSpec("banana")


def main(argv):
  del argv
  estimator = estimators.get("blahut_arimoto" if FLAGS.smoke else FLAGS.estimator)
  config = estimator.config(FLAGS.preset, **(dict(samples=20_000, bins=20) if FLAGS.smoke
                                             else {}))
  spec = sources.build(SOURCE).spec
  jobs = [job for seed in (0, 1)
          for job in estimator.plan_jobs((1.0, 3.0, 10.0), seed, config, spec)]
  timings, rows = {}, {}
  with tempfile.TemporaryDirectory() as root:
    for executor in ("inprocess", f"local:{FLAGS.workers}"):
      started = time.time()
      outcomes = sweep.run_sweep(jobs, os.path.join(root, executor.replace(":", "-")),
                                 executor=executor, log=lambda line: None)
      timings[executor] = time.time() - started
      failed = [o for o in outcomes if o.status != "done"]
      if failed:
        raise SystemExit(f"{executor}: {len(failed)} jobs did not run: {failed[0].error}")
      rows[executor] = [(r.distortion, r.rate_nats, r.intercept_nats)
                        for o in outcomes for r in o.records]
  local, dask = timings["inprocess"], timings[f"local:{FLAGS.workers}"]
  same = all(
      all(a is None and b is None or abs(a - b) <= 1e-4 * max(1.0, abs(a)) for a, b in zip(x, y))
      for x, y in zip(rows["inprocess"], rows[f"local:{FLAGS.workers}"]))
  print(f"6 {estimator.name} jobs ({FLAGS.preset} preset) on the banana, {os.cpu_count()} CPUs")
  print(f"{'executor':<12} {'wall s':>8} {'s/job':>7} {'speed-up':>9}")
  print(f"{'in-process':<12} {local:8.1f} {local / 6:7.1f} {1.0:9.2f}")
  print(f"{'dask local:' + str(FLAGS.workers):<12} {dask:8.1f} {dask / 6:7.1f} {local / dask:9.2f}")
  print(f"same rows (rel. 1e-4): {same}")


if __name__ == "__main__":
  app.run(main)
