"""Writes a folder of natural photographs that ship with scikit-image, for `--source=images`.

    .venv/bin/pip install -c constraints.txt -e '.[photos]'     # scikit-image 0.22 (once)
    .venv/bin/python experiments/make_photo_folder.py --out=photos

Copies the colour photographs bundled inside the scikit-image package (nothing is
downloaded): astronaut (512 x 512), chelsea (451 x 300), coffee (600 x 400), rocket
(640 x 427) and motorcycle_left (741 x 500). With `--source=images --data=photos` and the
default split (seed 0, 10 % of the files, at least one) coffee.png is held out and the upper
bound, the codecs and the lower bound are measured on it; the four others are trained on.
"""

import os
import shutil

from absl import app
from absl import flags

PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png")

flags.DEFINE_string("out", "photos", "Output folder (created; existing files are replaced).")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  try:
    import skimage.data  # pylint: disable=g-import-not-at-top
  except ImportError:
    raise SystemExit("scikit-image is not installed: .venv/bin/pip install -c constraints.txt "
                     "-e '.[photos]'") from None
  folder = os.path.dirname(skimage.data.__file__)
  os.makedirs(FLAGS.out, exist_ok=True)
  for name in PHOTOS:
    shutil.copyfile(os.path.join(folder, name), os.path.join(FLAGS.out, name))
  print(f"wrote {len(PHOTOS)} photographs to {FLAGS.out}: {', '.join(PHOTOS)}")


if __name__ == "__main__":
  app.run(main)
