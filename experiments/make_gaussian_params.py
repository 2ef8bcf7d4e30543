"""Writes the Gaussian parameters shipped in data/: loc ~ U(-0.5, 0.5), variance ~ U(0, 2).

    python experiments/make_gaussian_params.py --dim=1000 --seed=0 \
        --out=data/gaussian_params-dim=1000.npz
"""

import os

from absl import app
from absl import flags
import numpy as np

flags.DEFINE_integer("dim", 1000, "Dimension.")
flags.DEFINE_integer("seed", 0, "Seed of numpy's default_rng.")
flags.DEFINE_string("out", "data/gaussian_params-dim=1000.npz", "Output .npz.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  rng = np.random.default_rng(FLAGS.seed)
  loc = rng.uniform(-0.5, 0.5, FLAGS.dim)
  # U(0, 2] rather than [0, 2): a zero variance would make the source degenerate.
  variance = 2.0 - rng.uniform(0.0, 2.0, FLAGS.dim)
  os.makedirs(os.path.dirname(os.path.abspath(FLAGS.out)), exist_ok=True)
  np.savez(FLAGS.out, loc=loc, scale=np.sqrt(variance))
  print(f"wrote {FLAGS.out}: dim={FLAGS.dim}, mean variance {variance.mean():.4f}")


if __name__ == "__main__":
  app.run(main)
