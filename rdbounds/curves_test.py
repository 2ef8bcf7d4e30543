"""Saturation of records against their ceilings: LB intercepts (ln k) and WGD rates (ln p)."""

import math

from rdbounds import curves


def _wgd(rate):
  return curves.Record(source="s", estimator="wgd", lmbda=30.0, distortion=0.3, rate_nats=rate,
                       ceiling_nats=math.log(4))


def test_point_rate_near_its_ceiling_is_saturated():
  assert _wgd(0.96 * math.log(4)).saturated
  assert not _wgd(0.90 * math.log(4)).saturated
  # Without a ceiling (beta-VAE points) nothing is saturated.
  assert not curves.Record(source="s", estimator="upper_bound", distortion=0.3,
                           rate_nats=1e3).saturated


def test_line_is_judged_by_its_intercept_not_a_point():
  # A reference row carries a point and a line; the line's intercept is what meets ln k.
  record = curves.Record(source="s", estimator="lower_bound", lmbda=3.0, distortion=0.3,
                         rate_nats=0.1, intercept_nats=2.0, ceiling_nats=2.05)
  assert record.saturated
  assert not curves.Record(source="s", estimator="lower_bound", lmbda=3.0, rate_nats=2.0,
                           intercept_nats=1.0, ceiling_nats=2.05).saturated


def test_csv_written_before_header_bits_reads_with_none():
  # tests/data/small_sweep.csv predates the column; so do finished jobs of older runs.
  old_header = ",".join(c for c in curves.COLUMNS if c != "header_bits")
  text = old_header + "\ns,codec:jpeg,,0.01,,700.0,,,,,,,,,64,,,,c\n"
  record, = curves.records_from_csv_text(text)
  assert record.header_bits is None
  assert record.rate_nats == 700.0 and record.run_id == "c"


def test_header_bits_round_trip():
  record = curves.Record(source="s", estimator="codec:jpeg", distortion=0.01, rate_nats=700.0,
                         pixels_per_sample=1024, header_bits=123.5)
  assert curves.records_from_csv_text(curves.records_to_csv_text([record])) == [record]
