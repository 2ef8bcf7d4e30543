"""The `codec:<family>` estimators: build a family's operating points, measure each on held-out data.

A learned codec's job trains one model at the job's lambda (checkpointed in the job's
directory, so a killed run resumes and a run with another config trains its own model); a
classical codec's job sweeps its quality setting. Each operating point becomes one record,
measured on real bitstreams by `base.measure_points` (photo folders: their held-out images
whole, each image's point also written into the job's folder); the log line says how much of
the rate is headers when the codec can tell.
"""

import time
from typing import Callable, Dict, Iterator, List

import numpy as np

from rdbounds import curves
from rdbounds import held_out_points
from rdbounds.codecs import base
from rdbounds.codecs import hyperprior
from rdbounds.codecs import ntc
from rdbounds.codecs import ntc_image
from rdbounds.codecs import pillow
from rdbounds.codecs import plugins
from rdbounds.codecs import scalar
from rdbounds import streams


def _scalar_points(source, job, context) -> Iterator[base.Codec]:
  config = job.config
  train = np.asarray(source.sample(config.train_samples, seed=(job.seed, streams.CODEC_FIT),
                                   split="train"))
  for step in scalar.step_sweep(train, config.num_steps):
    context.log(f"codec:scalar step={step:.4g}")
    yield scalar.ScalarQuantizer(train, step)


def _ntc_points(source, job, context) -> Iterator[base.Codec]:
  train = ntc_image.train_image_ntc if source.is_image else ntc.train_vector_ntc
  yield train(source, job.lmbda, job.config, seed=job.seed, workdir=context.workdir,
              log=context.log)


def _hyperprior_points(source, job, context) -> Iterator[base.Codec]:
  yield hyperprior.train_hyperprior(source, job.lmbda, job.config, seed=job.seed,
                                    workdir=context.workdir, log=context.log)


def _pillow_points(kind):
  def points(source, job, context) -> Iterator[base.Codec]:
    for quality in job.config.qualities:
      context.log(f"codec:{kind} quality={quality:g}")
      yield pillow.PillowCodec(kind, quality, source.event_shape)
  return points


def _plugin_points(kind):
  def points(source, job, context) -> Iterator[base.Codec]:
    for chroma in job.config.chromas:
      for quality in job.config.qualities:
        codec = plugins.PluginCodec(kind, quality, chroma, source.event_shape)
        context.log(f"codec:{kind} {codec.setting}")
        yield codec
  return points


POINTS: Dict[str, Callable[..., Iterator[base.Codec]]] = {
    "codec:scalar": _scalar_points,
    "codec:ntc": _ntc_points,
    "codec:hyperprior": _hyperprior_points,
    **{f"codec:{kind}": _pillow_points(kind) for kind in ("jpeg", "webp", "jpeg2000")},
    **{f"codec:{kind}": _plugin_points(kind) for kind in plugins.KINDS},
}


def run(source, job, context) -> List[curves.Record]:
  """Measures every operating point of the job's codec family on the source's test split.

  On whole held-out images, each image's point at each setting goes into the job's folder
  (`held_out_points`: `{setting: [points]}`, the settings of the records' run ids).
  """
  measurement = job.config.measurement
  records, per_image = [], {}
  built = time.time()
  for codec in POINTS[job.estimator](source, job, context):
    build_seconds = time.time() - built
    record, points = base.measure_points(
        codec, source, n_eval=measurement.n_eval,
        block_size=min(measurement.block_size, measurement.n_eval), seed=job.seed,
        run_id=f"{job.job_id}:{codec.setting}", seconds_offset=build_seconds)
    if points is not None:
      per_image[codec.setting] = points
    context.log(f"{record.estimator} {codec.setting}: D={record.distortion:.4g} "
                f"R={record.rate_nats:.4g} nats" + (
                    f" ({record.bpp:.3g} bpp, {record.psnr_db:.2f} dB)"
                    if record.bpp is not None else "") + _headers(record))
    records.append(record)
    built = time.time()
  if per_image and context.workdir:
    held_out_points.write(context.workdir, per_image)
  return records


def _headers(record) -> str:
  """", headers 12% of the rate (0.05 bpp)" when the codec reports its header bytes."""
  if record.header_bits is None or not record.rate_nats:
    return ""
  share = record.header_bits / record.rate_bits
  if record.pixels_per_sample:
    bpp = record.header_bits / record.pixels_per_sample
    return f", headers {share:.1%} of the rate ({bpp:.3g} bpp)"
  return f", headers {share:.1%} of the rate"
