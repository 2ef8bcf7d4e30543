"""Writes a real 2-D data set: neighbouring-pixel differences of photographs, [10000, 2] float32.

    python experiments/make_real2d.py            # writes data/photo_gradients.npy

Each row is (I[r, c+1] - I[r, c], I[r+1, c] - I[r, c]): the horizontal and vertical
differences of the grey level I (in [0, 1]) at one pixel of a photograph. Rows are drawn at
10,000 positions uniformly at random (seeded, without replacement) over all pixels that have
a right and a lower neighbour in three photographs that ship with the project's required
packages, so nothing is downloaded:

  * scipy's `face` (a raccoon, 768 x 1024, colour; grey level = ITU-R BT.601 luma),
  * scipy's `ascent` (a staircase scene, 512 x 512, grey),
  * matplotlib's sample `grace_hopper.jpg` (a portrait, 600 x 512, colour; same luma).

Grey levels are 8-bit values / 255, so the differences lie on (or near, after the luma mix) a
grid of 1/255; at the distortions of interest (MSE >> 1/255^2 / 12) that is immaterial.
The data are what image codecs see after a first prediction step: centred, heavy-tailed
(most differences are tiny, edges give a few large ones) and dependent between the two
directions (an edge moves both). With the defaults: standard deviations 0.055 and 0.060,
kurtosis 26 and 30 (a Gaussian's is 3), median |difference| 0.013, 99th percentile 0.23;
linear correlation 0.08 but correlation of the magnitudes 0.35, which no Gaussian has.
"""

import os
import warnings

from absl import app
from absl import flags
import numpy as np

flags.DEFINE_integer("samples", 10_000, "Number of rows.")
flags.DEFINE_integer("seed", 0, "Seed of the positions (numpy default_rng).")
flags.DEFINE_string("out", "data/photo_gradients.npy", "Output .npy.")
FLAGS = flags.FLAGS

_LUMA = np.array([0.299, 0.587, 0.114])


def _grey(image: np.ndarray) -> np.ndarray:
  """uint8 `[H, W]` or `[H, W, 3]` -> float64 grey level in [0, 1]."""
  image = np.asarray(image, np.float64) / 255.0
  return image @ _LUMA if image.ndim == 3 else image


def photographs():
  """The three photographs as grey-level arrays in [0, 1] (name -> `[H, W]`)."""
  import matplotlib.cbook  # pylint: disable=g-import-not-at-top
  from PIL import Image  # pylint: disable=g-import-not-at-top
  with warnings.catch_warnings():
    # scipy.misc's data functions are deprecated (moved to scipy.datasets, which downloads);
    # in the pinned scipy 1.11 they still read the files shipped inside the package.
    warnings.simplefilter("ignore", DeprecationWarning)
    from scipy import misc  # pylint: disable=g-import-not-at-top
    face, ascent = misc.face(), misc.ascent()
  with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
    hopper = np.asarray(Image.open(f).convert("RGB"))
  return {"face": _grey(face), "ascent": _grey(ascent), "grace_hopper": _grey(hopper)}


def differences(images, samples: int, seed: int) -> np.ndarray:
  """`[samples, 2]` float32 (horizontal, vertical) differences at seeded random pixels.

  Positions are drawn uniformly without replacement from the union of every image's pixels
  that have a right and a lower neighbour (so larger images give more rows).
  """
  images = list(images)
  sizes = np.array([(h - 1) * (w - 1) for h, w in (im.shape for im in images)])
  if samples > sizes.sum():
    raise ValueError(f"asked for {samples} rows; the photographs have {sizes.sum()} positions")
  picks = np.sort(np.random.default_rng(seed).choice(sizes.sum(), samples, replace=False))
  image_index = np.searchsorted(np.cumsum(sizes), picks, side="right")
  rows = []
  for i, image in enumerate(images):
    flat = picks[image_index == i] - (sizes[:i].sum() if i else 0)
    r, c = np.divmod(flat, image.shape[1] - 1)
    rows.append(np.stack([image[r, c + 1] - image[r, c], image[r + 1, c] - image[r, c]], -1))
  x = np.concatenate(rows)
  # Shuffle (seeded) so no image occupies a contiguous block of rows.
  return x[np.random.default_rng(seed + 1).permutation(len(x))].astype(np.float32)


def main(argv):
  del argv
  x = differences(photographs().values(), FLAGS.samples, FLAGS.seed)
  os.makedirs(os.path.dirname(os.path.abspath(FLAGS.out)), exist_ok=True)
  np.save(FLAGS.out, x)
  std = x.std(0)
  kurtosis = ((x - x.mean(0))**4).mean(0) / std**4
  print(f"wrote {FLAGS.out}: {x.shape} {x.dtype}, std {std[0]:.4f} {std[1]:.4f}, kurtosis "
        f"{kurtosis[0]:.1f} {kurtosis[1]:.1f}, correlation {np.corrcoef(x.T)[0, 1]:.3f} "
        f"(of magnitudes {np.corrcoef(np.abs(x).T)[0, 1]:.3f})")


if __name__ == "__main__":
  app.run(main)
