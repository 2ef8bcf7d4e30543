"""Which code computed a result: the package version and a hash of the package's source.

A job's id hashes its definition and this identity (`estimators.Job.code`), so a run after
the code changed plans new jobs instead of finding the rows the old code made: they are
recomputed, or kept only when the user asks (`keep_stale`; the CSV's `stale_code` column and
report.md then name the code that made them).

The identity is `"<version>+<hash>"`: the hash is the sha256 of the library's own `.py`
files as imported (relative path and bytes of each, in sorted order; `*_test.py` files and
bytecode left out, since they compute nothing), computed once per process (a few ms).
Hashing the files rather than asking git for a commit gives the same answer in a git
checkout (editable install: uncommitted edits count, which a commit hash would miss) and in
an installed wheel (its files are the checkout's bytes; no git there), so one code has one
identity wherever it runs, a Dask worker included. Not covered: the versions of TensorFlow
and the other packages (OUT/config.json records them), and code outside the package (a
benchmark's own script).
"""

import functools
import hashlib
import importlib.metadata as metadata
import os

# Hex digits of the hash kept in the identity: enough that two trees never share one.
_DIGITS = 12
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def tree_hash(directory: str) -> str:
  """sha256 (hex) of the `.py` files under `directory`, tests and bytecode left out."""
  digest = hashlib.sha256()
  paths = []
  for folder, subfolders, names in os.walk(directory):
    subfolders[:] = [s for s in subfolders if s != "__pycache__"]
    paths += [os.path.join(folder, n) for n in names
              if n.endswith(".py") and not n.endswith("_test.py")]
  for path in sorted(paths, key=lambda p: os.path.relpath(p, directory).split(os.sep)):
    digest.update(os.path.relpath(path, directory).replace(os.sep, "/").encode() + b"\0")
    with open(path, "rb") as f:
      digest.update(f.read() + b"\0")
  return digest.hexdigest()


def version() -> str:
  """The installed package's version ("unknown" when it runs uninstalled)."""
  try:
    return metadata.version("rdbounds")
  except metadata.PackageNotFoundError:
    return "unknown"


def identity(directory: str = PACKAGE_DIR) -> str:
  """`"<version>+<first 12 hex digits of tree_hash(directory)>"`."""
  return f"{version()}+{tree_hash(directory)[:_DIGITS]}"


@functools.lru_cache(maxsize=None)
def current() -> str:
  """The identity of the code running in this process (computed once)."""
  return identity()
