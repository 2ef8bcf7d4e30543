"""Writes folders of natural photographs that installed packages ship, for `--source=images`.

    .venv/bin/pip install -c constraints.txt -e '.[photos]'     # scikit-image 0.22 (once)
    .venv/bin/python experiments/make_photo_folder.py --out=photos

Nothing is downloaded: the files come from scikit-image, SciPy and Matplotlib. Three folders,
by what each photograph was used for:

  * `OUT/train/`: astronaut, chelsea, rocket, motorcycle_left (scikit-image): trained on;
  * `OUT/validation/`: coffee (scikit-image): the photograph the photo presets were chosen
    on (held out while they were tuned), so no number about held-out photographs is
    reported on it;
  * `OUT/test/`: photographs no setting was tuned on, for reporting: face (SciPy's raccoon,
    1024 x 768), grace_hopper (Matplotlib, 512 x 600), and, as RGB, scikit-image's grey
    camera, moon and coins and SciPy's ascent.

    rdbounds sandwich --source=images --data=photos/train --test=photos/test
"""

import os
import warnings

from absl import app
from absl import flags
import numpy as np

TRAIN = ("astronaut.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png")
VALIDATION = ("coffee.png",)
TEST_FROM_SKIMAGE = ("camera.png", "moon.png", "coins.png")

flags.DEFINE_string("out", "photos", "Output folder (created; existing files are replaced).")
FLAGS = flags.FLAGS


def _save_rgb(pixels, path):
  from PIL import Image  # pylint: disable=g-import-not-at-top
  pixels = np.asarray(pixels, np.uint8)
  if pixels.ndim == 2:
    pixels = np.repeat(pixels[..., None], 3, axis=2)
  Image.fromarray(pixels).save(path)


def main(argv):
  del argv
  try:
    import skimage.data  # pylint: disable=g-import-not-at-top
  except ImportError:
    raise SystemExit("scikit-image is not installed: .venv/bin/pip install -c constraints.txt "
                     "-e '.[photos]'") from None
  from PIL import Image  # pylint: disable=g-import-not-at-top
  import matplotlib.cbook  # pylint: disable=g-import-not-at-top
  with warnings.catch_warnings():  # scipy.misc's images are deprecated, still shipped in 1.11
    warnings.simplefilter("ignore", DeprecationWarning)
    from scipy import misc  # pylint: disable=g-import-not-at-top
    face, ascent = misc.face(), misc.ascent()
  folder = os.path.dirname(skimage.data.__file__)
  for split, names in (("train", TRAIN), ("validation", VALIDATION), ("test", TEST_FROM_SKIMAGE)):
    os.makedirs(os.path.join(FLAGS.out, split), exist_ok=True)
    for name in names:
      with Image.open(os.path.join(folder, name)) as image:
        _save_rgb(np.asarray(image.convert("RGB") if split != "test" else image.convert("L")),
                  os.path.join(FLAGS.out, split, os.path.splitext(name)[0] + ".png"))
  _save_rgb(face, os.path.join(FLAGS.out, "test", "face.png"))
  _save_rgb(ascent, os.path.join(FLAGS.out, "test", "ascent.png"))
  with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
    _save_rgb(np.asarray(Image.open(f).convert("RGB")),
              os.path.join(FLAGS.out, "test", "grace_hopper.png"))
  for split in ("train", "validation", "test"):
    files = sorted(os.listdir(os.path.join(FLAGS.out, split)))
    print(f"{os.path.join(FLAGS.out, split)}: {', '.join(files)}")


if __name__ == "__main__":
  app.run(main)
