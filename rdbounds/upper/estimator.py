"""The `upper_bound` estimator: the model a source gets, chosen by its config's class.

Photographs (image folders) are planned with `spatial_config.SpatialConfig` and run by
`spatial_bound`; every other source with `config.UpperBoundConfig`, run by `vector_bound`.
Registered through `config.ESTIMATORS`, which names `run` below.
"""

from typing import List

from rdbounds import curves
from rdbounds.upper import spatial_bound
from rdbounds.upper import spatial_config
from rdbounds.upper import vector_bound


def run(source, job, context) -> List[curves.Record]:
  if isinstance(job.config, spatial_config.SpatialConfig):
    return spatial_bound.run(source, job, context)
  return vector_bound.run(source, job, context)
