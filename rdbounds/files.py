"""Writing result files atomically, with the permissions a new file usually gets.

A result is written to a temporary file in the destination's folder and renamed over the
destination when complete, so a reader (or a run killed halfway) never sees half a file.
The temporary file is created with mode 0666 and the kernel applies the process's umask, as
it does for `open(path, "w")`: results are readable by others unless the umask says not
(`tempfile.mkstemp` would make them 0600, and the mode survives the rename).
"""

import contextlib
import os
import secrets
from typing import IO, Iterator


def _create_temporary(path: str):
  """`(fd, temporary path)` of a new, exclusively created file next to `path`."""
  directory = os.path.dirname(os.path.abspath(path))
  os.makedirs(directory, exist_ok=True)
  while True:
    temporary = os.path.join(directory, f".tmp-{secrets.token_hex(6)}-{os.path.basename(path)}")
    try:
      return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
    except FileExistsError:  # Another writer drew the same name; draw again.
      continue


@contextlib.contextmanager
def replace_atomically(path: str, mode: str = "w", **open_options) -> Iterator[IO]:
  """Yields a file object; on a clean exit its content replaces `path` in one rename.

  On an exception the destination is left as it was and the temporary file is removed.

  Args:
    path: the destination.
    mode: "w" (text) or "wb" (bytes).
    **open_options: passed to `os.fdopen` (e.g. `newline=""`).
  """
  if mode not in ("w", "wb"):
    raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
  fd, temporary = _create_temporary(path)
  try:
    with os.fdopen(fd, mode, **open_options) as f:
      yield f
      f.flush()
      os.fsync(f.fileno())
    os.replace(temporary, path)
  except BaseException:
    if os.path.exists(temporary):
      os.unlink(temporary)
    raise


def write_text(path: str, text: str) -> None:
  """Writes `text` to `path` atomically (see the module docstring)."""
  with replace_atomically(path, "w", newline="") as f:
    f.write(text)
