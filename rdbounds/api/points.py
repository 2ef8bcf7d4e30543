"""`rdbounds.add_points`: your own codec's points, measured outside rdbounds, added to a run."""

import csv
import io
import os
import re
from typing import Callable, Mapping, Sequence, Union

from rdbounds import curves
from rdbounds import held_out_points
from rdbounds.api import codecs as codecs_api
from rdbounds.api import folder
from rdbounds.api import plan
from rdbounds.api import result as result_lib

# The user's rows as given, kept beside the job's records (what the rows were made from).
POINTS_FILE = "points.csv"


def add_points(run: str, points: Union[str, os.PathLike, Sequence[Mapping]],
               log: Callable[[str], None] = print) -> result_lib.Result:
  """Adds a codec's operating points, measured outside rdbounds, to a finished run.

  Photo folder runs take the columns `codec, setting, image, bpp, psnr_db` (one row per
  held-out image and setting; every setting covers every held-out image), other runs
  `codec, setting, rate_nats, distortion` (one row per setting); `rdbounds.codecs.points`
  says what each means. Each codec becomes the estimator `points:<codec>`: its rows join
  RUN/curves.csv (in RUN/jobs/points_<codec>-<hash>/, listed in RUN/config.json so that
  running `sandwich` on the folder again keeps them; points given again for the same codec
  replace its earlier ones), its curve RUN/curves.png, and RUN/report.md its distances to
  the bounds, its BD-rates (pooled and per image) and its share of the achievable envelope,
  as for the built-in codecs (`add_codecs`).

  Args:
    run: a finished `sandwich` output folder.
    points: a CSV file's path, or the rows as mappings (column -> value).
    log: receives progress lines.

  Returns:
    a `Result` with all of the run's rows and `report`, RUN/report.md's Markdown text.

  Raises:
    ValueError: one line: not a run folder, or a malformed file or row (naming the row);
      nothing is written then.
  """
  config = folder.load(run)
  source = plan.source(config["source_options"])
  from rdbounds.codecs import points as points_lib  # pylint: disable=g-import-not-at-top
  codecs = points_lib.parse(points, source)
  from rdbounds import plots, sweep  # pylint: disable=g-import-not-at-top
  for user in codecs:
    job_dir = os.path.join(run, "jobs", user.job_id)
    os.makedirs(job_dir, exist_ok=True)
    curves.atomic_write_text(os.path.join(job_dir, POINTS_FILE), _csv_text(user.rows))
    if user.per_image:
      held_out_points.write(job_dir, user.per_image)
    curves.write_csv(os.path.join(job_dir, sweep.RECORDS), user.records)  # Written last.
    log(f"{user.estimator}: {len(user.records)} setting(s) -> {job_dir}")
  replaced = re.compile("|".join(rf"points_{re.escape(u.codec)}-[0-9a-f]{{10}}" for u in codecs))
  config["added_jobs"] = ([i for i in config["added_jobs"] if not replaced.fullmatch(i)]
                          + [u.job_id for u in codecs])
  folder.save(run, config)
  records = result_lib.Records(sweep.merge(run, folder.merged_ids(config)))
  units = folder.units(config)
  plots.plot_curves(records, os.path.join(run, "curves.png"), source=source, units=units)
  report = codecs_api.write_report(run, records, source)
  log(f"wrote {os.path.join(run, 'curves.csv')}, curves.png and report.md")
  return result_lib.Result(records, source, run, report=report, units=units)


def _csv_text(rows) -> str:
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
  writer.writeheader()
  writer.writerows(rows)
  return buffer.getvalue()
