"""Each held-out photograph's own point, beside the pooled record that adds the images up.

Achievable points on photo folders (the spatial upper bound, codecs on whole images) pool
their held-out images into one pixel-weighted record. The job also writes each image's point
into its own folder, `OUT/jobs/<job_id>/held_out_images.json` (`FILE`), so that a report can
draw every image's curve:

* a job with one record (run id = the job's id, e.g. an upper bound at its lambda) writes
  the list of its points, `[{file, pixels, bpp, psnr_db}, ...]`;
* a job with one record per setting (run id `<job id>:<setting>`, e.g. a codec sweeping its
  quality) writes one such list per setting, `{setting: [...], ...}`.

bpp is the image's whole rate (headers, padding: all that the pooled record counts) over its
own pixels, so the per-image bpp weighted by pixels give the record's bpp; PSNR is that of
the image's own MSE per dimension.
"""

import dataclasses
import json
import math
import os
from typing import Dict, List, Optional, Union

import numpy as np

from rdbounds import curves

FILE = "held_out_images.json"


def point(file: str, pixels: int, bits: float, squared_error: float, channels: int) -> dict:
  """One image's `{file, pixels, bpp, psnr_db}` from its whole rate in bits and the sum of
  its squared errors over its `pixels x channels` values."""
  mse = squared_error / (pixels * channels)
  return dict(file=file, pixels=int(pixels), bpp=float(bits / pixels),
              psnr_db=-10.0 * math.log10(mse) if mse > 0 else math.inf)


def pool(bits, pixels, squared_error, channels: int, pixels_per_sample: int) -> dict:
  """The pooled (pixel-weighted) point of whole images, per sample of the source's crops.

  With b_i bits, N_i pixels and squared error e_i (summed over N_i C values) for image i and
  P = `pixels_per_sample`:

      rate_nats = ln 2 (sum_i b_i / sum_i N_i) P,   distortion = sum_i e_i / (C sum_i N_i),

  and their standard errors over images (of b_i / N_i P ln 2 and of e_i / (N_i C); None for
  one image).

  Returns:
    {rate_nats, rate_nats_se, distortion, distortion_se}.
  """
  bits, pixels = np.asarray(bits, np.float64), np.asarray(pixels, np.float64)
  squared_error = np.asarray(squared_error, np.float64)
  values = pixels * channels
  se = lambda per_image: (float(np.std(per_image, ddof=1) / math.sqrt(per_image.size))
                          if per_image.size > 1 else None)
  rate_se = se(bits / pixels * pixels_per_sample)
  return dict(rate_nats=float(bits.sum() / pixels.sum() * pixels_per_sample * math.log(2.0)),
              rate_nats_se=None if rate_se is None else rate_se * math.log(2.0),
              distortion=float(squared_error.sum() / values.sum()),
              distortion_se=se(squared_error / values))


def write(job_dir: str, points: Union[List[dict], Dict[str, List[dict]]]) -> None:
  """Writes a job's points (a list, or a list per setting) into its folder, atomically."""
  curves.atomic_write_text(os.path.join(job_dir, FILE), json.dumps(points, indent=1) + "\n")


@dataclasses.dataclass(frozen=True)
class ImagePoint:
  """One held-out image's point at one operating point of an estimator.

  Attributes:
    estimator: the pooled record's estimator (`upper_bound`, `codec:jpeg`, ...).
    run_id: the pooled record's run id (which lambda or setting).
    lmbda: the pooled record's lambda (None for codecs swept by a quality setting).
    file, pixels, bpp, psnr_db: the image's point, as written (`point`).
  """
  estimator: str
  run_id: str
  lmbda: Optional[float]
  file: str
  pixels: int
  bpp: float
  psnr_db: float


def read_run(run_dir: str) -> List[ImagePoint]:
  """The per-image points of a run folder's records (RUN/curves.csv), in the CSV's order.

  Each point record is looked up in its job's folder (`RUN/jobs/<job id>/`, the sweep's
  layout) by its run id; records whose job wrote no file (vector sources, jobs that finished
  before jobs wrote one) have none. Empty when the run has no curves.csv.
  """
  path = os.path.join(run_dir, "curves.csv")
  if not os.path.isfile(path):
    return []
  out, files = [], {}
  for record in curves.read_csv(path):
    if not record.has_point or not record.run_id:
      continue
    job_id, _, setting = record.run_id.partition(":")
    name = os.path.join(run_dir, "jobs", job_id, FILE)
    if name not in files:
      files[name] = _load(name)
    content = files[name]
    points = content.get(setting) if isinstance(content, dict) else (
        None if setting else content)
    for p in points or ():
      out.append(ImagePoint(record.estimator, record.run_id, record.lmbda, p["file"],
                            int(p["pixels"]), float(p["bpp"]), float(p["psnr_db"])))
  return out


def _load(path: str):
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    return json.load(f)
