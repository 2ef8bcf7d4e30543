"""Atomic result files: complete or absent, and with the permissions of an ordinary new file."""

import contextlib
import os

import tensorflow as tf

from rdbounds import curves
from rdbounds import files
from rdbounds import plots


@contextlib.contextmanager
def umask(mask):
  old = os.umask(mask)
  try:
    yield
  finally:
    os.umask(old)


def _mode(path):
  return os.stat(path).st_mode & 0o777


class FilesTest(tf.test.TestCase):

  def test_new_file_gets_0666_minus_umask(self):
    # tempfile.mkstemp would give 0600 whatever the umask.
    for mask, expected in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
      path = os.path.join(self.get_temp_dir(), f"umask-{mask:o}.txt")
      with umask(mask):
        files.write_text(path, "x")
      self.assertEqual(_mode(path), expected, f"umask {mask:o}")

  def test_csv_and_png_results_are_readable_by_others(self):
    csv_path = os.path.join(self.get_temp_dir(), "curves.csv")
    png_path = os.path.join(self.get_temp_dir(), "curves.png")
    records = [curves.Record("s", "upper_bound", 1.0, distortion=0.5, rate_nats=0.7)]
    with umask(0o022):
      curves.write_csv(csv_path, records)
      plots.plot_curves(records, png_path)
    self.assertEqual(_mode(csv_path), 0o644)
    self.assertEqual(_mode(png_path), 0o644)

  def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(self):
    path = os.path.join(self.get_temp_dir(), "kept.bin")
    files.write_text(path, "old")
    with self.assertRaisesRegex(RuntimeError, "halfway"):
      with files.replace_atomically(path, "wb") as f:
        f.write(b"new, partly")
        raise RuntimeError("killed halfway")
    with open(path) as f:
      self.assertEqual(f.read(), "old")
    self.assertEqual(sorted(os.listdir(self.get_temp_dir())), ["kept.bin"])


if __name__ == "__main__":
  tf.test.main()
