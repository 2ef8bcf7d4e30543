"""A user's own codec: operating points measured outside rdbounds, checked and made records.

A codec developer measures their codec on the run's held-out data and hands over its points,
as a CSV file or as rows (mappings) in Python:

* runs on a photo folder (sources with whole held-out images): columns
  `codec, setting, image, bpp, psnr_db`, one row per held-out image and setting. `image` is a
  file name of the run's held-out folder (as `Source.held_out_files()` names it: relative to
  that folder); `bpp` is the image's whole file, headers included, in bits over its own
  pixels; `psnr_db` = 10 log10(255^2 / MSE) of the decoded 8-bit image against the original,
  over all its values (= -10 log10(MSE) in [0, 1]). Every setting must cover every held-out
  image: its record pools them pixel-weighted, as the built-in codecs' are
  (`held_out_points.pool`), and each image's point goes to the per-image report.
* every other run: columns `codec, setting, rate_nats, distortion`, one row per setting: the
  rate in nats per sample of the source and the distortion in MSE per dimension (the units
  of every record; docs/method.md), measured on held-out samples.

Each codec of the file becomes the estimator `points:<codec>`, one record per setting (run
id `<job id>:<setting>`, the job id naming the codec and hashing its points and the source,
so the same points give the same rows). Column order is free; other columns, a missing one,
a value that is not a finite number, a negative rate or distortion, an image not held out
by the run, a repeated row and a setting without every held-out image are each refused with
one line naming the row (`FILE line N`, or `points row N` for rows given in Python), before
anything is written.
"""

import csv
import dataclasses
import hashlib
import json
import math
import os
import re
from typing import Dict, List, Mapping, Sequence, Tuple, Union

from rdbounds import curves
from rdbounds import held_out_points

IMAGE_COLUMNS = ("codec", "setting", "image", "bpp", "psnr_db")
VECTOR_COLUMNS = ("codec", "setting", "rate_nats", "distortion")
# A codec's name is part of an estimator name, a job folder and a file name.
_CODEC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


@dataclasses.dataclass(frozen=True)
class UserCodec:
  """One codec's points, checked, as rows of the run.

  Attributes:
    codec: the user's name for it; its estimator is `points:<codec>`.
    job_id: `points_<codec>-<hash>`: its folder in RUN/jobs/ and the prefix of its run ids.
    records: one `curves.Record` per setting, in the order the settings first appear.
    per_image: photo runs: {setting: [{file, pixels, bpp, psnr_db}, ...]} in the held-out
      files' order (`held_out_points.write`); else empty.
    rows: the codec's rows as given (column -> text), for the job's copy of them.
  """
  codec: str
  job_id: str
  records: List[curves.Record]
  per_image: Dict[str, List[dict]]
  rows: List[Dict[str, str]]

  @property
  def estimator(self) -> str:
    return curves.POINTS_PREFIX + self.codec


def _rows_of_file(path: str) -> Tuple[str, List[str], List[Tuple[str, dict]]]:
  name = os.path.basename(path) or path
  if not os.path.isfile(path):
    raise ValueError(f"{path}: no such file")
  try:
    with open(path, newline="", encoding="utf-8-sig") as f:
      reader = csv.DictReader(f)
      columns = [c.strip() for c in reader.fieldnames or []]
      rows = []
      for row in reader:
        label = f"{name} line {reader.line_num}"
        if None in row:
          raise ValueError(f"{label}: {len(columns) + len(row[None])} fields for "
                           f"{len(columns)} columns")
        rows.append((label, {c.strip(): v for c, v in row.items()}))
  except UnicodeDecodeError:
    raise ValueError(f"{name}: not a UTF-8 text file") from None
  except csv.Error as e:
    raise ValueError(f"{name}: not a CSV file ({e})") from None
  if not columns:
    raise ValueError(f"{name}: empty file (no header line)")
  return f"{name} line 1", columns, rows


def _rows_of_mappings(points: Sequence[Mapping]) -> Tuple[str, List[str], list]:
  rows = []
  for i, row in enumerate(points, 1):
    if not isinstance(row, Mapping):
      raise ValueError(f"points row {i}: a mapping of column to value, got {type(row).__name__}")
    rows.append((f"points row {i}", {str(k): v for k, v in row.items()}))
  columns = list(rows[0][1]) if rows else []
  for label, row in rows[1:]:
    if set(row) != set(columns):
      raise ValueError(f"{label}: columns {', '.join(row)} differ from row 1's "
                       f"({', '.join(columns)})")
  return "points row 1", columns, rows


def _check_columns(where: str, columns: Sequence[str], wanted: Sequence[str], kind: str):
  missing = [c for c in wanted if c not in columns]
  extra = [c for c in columns if c not in wanted]
  if missing or extra or len(set(columns)) != len(columns):
    problem = "; ".join(filter(None, [
        missing and f"missing column(s) {', '.join(missing)}",
        extra and f"unknown column(s) {', '.join(extra)}",
        len(set(columns)) != len(columns) and "a column appears twice"]))
    raise ValueError(f"{where}: {problem}; {kind} points have the columns {', '.join(wanted)}")


def _number(label: str, row: dict, column: str, low: float, strict: bool) -> float:
  """The row's finite number in `column`, at least `low` (above it when `strict`)."""
  text = row[column]
  if text is None or (isinstance(text, str) and not text.strip()):
    raise ValueError(f"{label}: no value for {column}")
  try:
    value = float(text)
  except (TypeError, ValueError):
    raise ValueError(f"{label}: {column} {text!r} is not a number") from None
  if not math.isfinite(value):
    raise ValueError(f"{label}: {column} is {value}; a point needs finite numbers")
  if value < low or (strict and value == low):
    bound = f"above {low:g}" if strict else f"at least {low:g}"
    raise ValueError(f"{label}: {column} is {value:g}; it must be {bound}")
  return value


def _text(label: str, row: dict, column: str) -> str:
  value = row[column]
  value = "" if value is None else str(value).strip()
  if not value:
    raise ValueError(f"{label}: empty {column}")
  if column == "codec" and not _CODEC_NAME.fullmatch(value):
    raise ValueError(f"{label}: codec {value!r} may hold only letters, digits and . _ + - "
                     f"(it names the estimator points:<codec>)")
  return value


def _job_id(codec: str, rows: List[dict], source_description) -> str:
  identity = json.dumps({"codec": codec, "rows": rows, "source": source_description},
                        sort_keys=True, default=str)
  return f"points_{codec}-{hashlib.sha256(identity.encode()).hexdigest()[:10]}"


def _listed(names: Sequence[str], most: int = 6) -> str:
  return ", ".join(names[:most]) + (f", ... ({len(names)} in all)" if len(names) > most else "")


def parse(points: Union[str, os.PathLike, Sequence[Mapping]], source) -> List[UserCodec]:
  """Checks a user's points against a run's source and makes each codec's records.

  Args:
    points: a CSV file's path, or rows (mappings column -> value), in the columns of the
      module docstring for the source's kind.
    source: the run's built `Source` (photo folders: its held-out files and their sizes).

  Returns:
    one `UserCodec` per codec, in the order the codecs first appear.

  Raises:
    ValueError: one line naming the row of the first problem (nothing is written here).
  """
  if isinstance(points, (str, os.PathLike)):
    header, columns, rows = _rows_of_file(os.fspath(points))
  else:
    header, columns, rows = _rows_of_mappings(list(points))
  photos = source.has_whole_images
  wanted = IMAGE_COLUMNS if photos else VECTOR_COLUMNS
  _check_columns(header, columns, wanted, "a photo folder run's" if photos else
                 f"a {source.name} run's")
  if not rows:
    raise ValueError(f"{header.rsplit(' ', 2)[0]}: no points (a header and no rows)")
  files, pixels = [], {}
  if photos:
    files = list(source.held_out_files())
    pixels = {f: int(image.shape[0] * image.shape[1])
              for f, image in zip(files, source.held_out_images())}
  seen: Dict[tuple, str] = {}
  by_setting: Dict[Tuple[str, str], Dict[str, Tuple[str, dict]]] = {}
  for label, row in rows:
    codec, setting = _text(label, row, "codec"), _text(label, row, "setting")
    if photos:
      image = str(row["image"] if row["image"] is not None else "").strip()
      if image not in pixels:
        raise ValueError(f"{label}: image {image!r} is not a held-out image of this run "
                         f"(held out: {_listed(files)})")
      values = {"bpp": _number(label, row, "bpp", 0.0, strict=True),
                "psnr_db": _number(label, row, "psnr_db", -math.inf, strict=False)}
      key = (codec, setting, image)
    else:
      image = ""
      values = {"rate_nats": _number(label, row, "rate_nats", 0.0, strict=False),
                "distortion": _number(label, row, "distortion", 0.0, strict=False)}
      key = (codec, setting)
    if key in seen:
      raise ValueError(f"{label}: a second row for {', '.join(key)} (the first: {seen[key]})")
    seen[key] = label
    by_setting.setdefault((codec, setting), {})[image] = (label, values)
  if photos:
    for (codec, setting), images in by_setting.items():
      absent = [f for f in files if f not in images]
      if absent:
        first = next(iter(images.values()))[0]
        raise ValueError(f"{first}: codec {codec}, setting {setting!r} has no row for "
                         f"held-out image(s) {_listed(absent)}; each setting needs every "
                         f"held-out image")
  return [_user_codec(codec, by_setting, rows, source, files, pixels)
          for codec in dict.fromkeys(c for c, _ in by_setting)]


def _user_codec(codec, by_setting, rows, source, files, pixels) -> UserCodec:
  mine = [{c: "" if v is None else str(v).strip() for c, v in row.items()}
          for _, row in rows if str(row["codec"]).strip() == codec]
  job_id = _job_id(codec, mine, source.describe())
  records, per_image = [], {}
  for (name, setting), images in by_setting.items():
    if name != codec:
      continue
    common = dict(source=source.name, estimator=curves.POINTS_PREFIX + codec,
                  run_id=f"{job_id}:{setting}")
    if files:
      points = [dict(file=f, pixels=pixels[f], bpp=images[f][1]["bpp"],
                     psnr_db=images[f][1]["psnr_db"]) for f in files]
      channels = source.event_shape[2]
      pooled = held_out_points.pool(
          [p["bpp"] * p["pixels"] for p in points], [p["pixels"] for p in points],
          [10.0 ** (-p["psnr_db"] / 10.0) * p["pixels"] * channels for p in points],
          channels, source.pixels_per_sample)
      records.append(curves.Record(**common, **pooled, pixels_per_sample=source.pixels_per_sample,
                                   n_eval=len(points)))
      per_image[setting] = points
    else:
      (_, values), = images.values()
      records.append(curves.Record(**common, distortion=values["distortion"],
                                   rate_nats=values["rate_nats"],
                                   pixels_per_sample=source.pixels_per_sample))
  return UserCodec(codec, job_id, records, per_image, mine)
