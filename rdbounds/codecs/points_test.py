"""A user's points checked against a run's source: every malformed file refused in one line
naming its row, and good ones pooled over images as the built-in codecs pool them."""

import math

import numpy as np
import pytest

from rdbounds.codecs import points

_HEADER = "codec,setting,image,bpp,psnr_db\n"


class _Photos:
  """Stands for a photo folder source: three held-out images of unequal sizes."""
  name = "photos"
  has_whole_images = True
  event_shape = (32, 32, 3)
  pixels_per_sample = 32 * 32
  sizes = {"a.png": (40, 50), "b.png": (64, 64), "sub/c.png": (30, 90)}

  def held_out_files(self):
    return list(self.sizes)

  def held_out_images(self):
    return [np.zeros(shape + (3,), np.float32) for shape in self.sizes.values()]

  def describe(self):
    return {"kind": "photos"}


class _Vectors:
  name = "gaussian-dim=2"
  has_whole_images = False
  event_shape = (2,)
  pixels_per_sample = None

  def describe(self):
    return {"kind": "gaussian", "dim": 2}


def _good_rows(codec="mine"):
  rows = []
  for setting, bpp, psnr in (("q=1", 0.2, 28.0), ("q=2", 0.6, 33.0)):
    for i, image in enumerate(_Photos.sizes):
      rows.append(f"{codec},{setting},{image},{bpp * (1 + i / 4):.6g},{psnr - i:.6g}\n")
  return rows


def _file(tmp_path, text, name="mine.csv"):
  path = tmp_path / name
  path.write_text(text)
  return str(path)


def test_a_setting_pools_its_images_by_pixels_as_whole_image_codecs_do(tmp_path):
  user, = points.parse(_file(tmp_path, _HEADER + "".join(_good_rows())), _Photos())
  assert user.estimator == "points:mine" and user.job_id.startswith("points_mine-")
  low, high = user.records
  pixels = np.array([40 * 50, 64 * 64, 30 * 90], np.float64)
  bpp = 0.2 * np.array([1.0, 1.25, 1.5])
  mse = 10 ** (-(28.0 - np.arange(3)) / 10)
  assert low.bpp == pytest.approx(np.sum(bpp * pixels) / pixels.sum(), rel=1e-12)
  assert low.distortion == pytest.approx(np.sum(mse * pixels) / pixels.sum(), rel=1e-12)
  assert low.pixels_per_sample == 1024 and low.n_eval == 3 and low.lmbda is None
  assert low.run_id == f"{user.job_id}:q=1" and high.run_id == f"{user.job_id}:q=2"
  assert [p["file"] for p in user.per_image["q=1"]] == list(_Photos.sizes)
  assert user.per_image["q=2"][1] == dict(file="b.png", pixels=4096, bpp=0.75, psnr_db=32.0)
  # The same points in another column order, given in Python: the same rows and job.
  rows = [dict(zip(("psnr_db", "image", "setting", "codec", "bpp"),
                   (r.split(",")[4].strip(), r.split(",")[2], r.split(",")[1], "mine",
                    float(r.split(",")[3])))) for r in _good_rows()]
  again, = points.parse(rows, _Photos())
  assert again.records == user.records and again.job_id == user.job_id


def test_two_codecs_in_one_file_are_two_estimators(tmp_path):
  text = _HEADER + "".join(_good_rows("a")) + "".join(_good_rows("b.v2"))
  assert [u.estimator for u in points.parse(_file(tmp_path, text), _Photos())] == [
      "points:a", "points:b.v2"]


# (what is wrong, how the file is edited, the one line it gives)
_MALFORMED = [
    ("missing column", lambda rows: ("codec,setting,image,bpp\n", [r.rsplit(",", 1)[0] + "\n"
                                                                  for r in rows]),
     r"^mine\.csv line 1: missing column\(s\) psnr_db; a photo folder run's points have the "
     r"columns codec, setting, image, bpp, psnr_db$"),
    ("unknown column", lambda rows: (_HEADER.strip() + ",notes\n", [r.strip() + ",x\n"
                                                                    for r in rows]),
     r"^mine\.csv line 1: unknown column\(s\) notes; "),
    ("unknown image", lambda rows: (_HEADER, rows[:4] + [rows[4].replace("b.png", "d.png")]
                                    + rows[5:]),
     r"^mine\.csv line 6: image 'd\.png' is not a held-out image of this run \(held out: "
     r"a\.png, b\.png, sub/c\.png\)$"),
    ("NaN", lambda rows: (_HEADER, rows[:2] + ["mine,q=1,sub/c.png,0.3,nan\n"] + rows[3:]),
     r"^mine\.csv line 4: psnr_db is nan; a point needs finite numbers$"),
    ("negative bpp", lambda rows: (_HEADER, [rows[0].replace(",0.2,", ",-0.2,")] + rows[1:]),
     r"^mine\.csv line 2: bpp is -0\.2; it must be above 0$"),
    ("zero bpp", lambda rows: (_HEADER, [rows[0].replace(",0.2,", ",0,")] + rows[1:]),
     r"^mine\.csv line 2: bpp is 0; it must be above 0$"),
    ("setting missing an image", lambda rows: (_HEADER, rows[:4] + rows[5:]),
     r"^mine\.csv line 5: codec mine, setting 'q=2' has no row for held-out image\(s\) "
     r"b\.png; each setting needs every held-out image$"),
    ("repeated row", lambda rows: (_HEADER, rows + [rows[1]]),
     r"^mine\.csv line 8: a second row for mine, q=1, b\.png \(the first: mine\.csv line 3\)$"),
    ("not a number", lambda rows: (_HEADER, [rows[0].replace(",28\n", ",28 dB\n")] + rows[1:]),
     r"^mine\.csv line 2: psnr_db '28 dB' is not a number$"),
    ("empty value", lambda rows: (_HEADER, [rows[0].replace(",0.2,", ",,")] + rows[1:]),
     r"^mine\.csv line 2: no value for bpp$"),
    ("extra field", lambda rows: (_HEADER, rows[:1] + [rows[1].strip() + ",7\n"] + rows[2:]),
     r"^mine\.csv line 3: 6 fields for 5 columns$"),
    ("bad codec name", lambda rows: (_HEADER, [rows[0].replace("mine", "my codec")] + rows[1:]),
     r"^mine\.csv line 2: codec 'my codec' may hold only letters, digits and \. _ \+ - "),
    ("no rows", lambda rows: (_HEADER, []), r"^mine\.csv: no points \(a header and no rows\)$"),
]


@pytest.mark.parametrize("what,edit,message", _MALFORMED, ids=[m[0] for m in _MALFORMED])
def test_a_malformed_file_is_refused_in_one_line_naming_its_row(tmp_path, what, edit, message):
  del what
  header, rows = edit(_good_rows())
  with pytest.raises(ValueError, match=message) as refused:
    points.parse(_file(tmp_path, header + "".join(rows)), _Photos())
  assert "\n" not in str(refused.value)


def test_files_that_are_not_points_are_refused_in_one_line(tmp_path):
  with pytest.raises(ValueError, match=r"nothere\.csv: no such file$"):
    points.parse(str(tmp_path / "nothere.csv"), _Photos())
  with pytest.raises(ValueError, match=r"^empty\.csv: empty file \(no header line\)$"):
    points.parse(_file(tmp_path, "", "empty.csv"), _Photos())
  binary = tmp_path / "binary.csv"
  binary.write_bytes(b"\xff\xfe\x00\x81codec")
  with pytest.raises(ValueError, match=r"^binary\.csv: not a UTF-8 text file$"):
    points.parse(str(binary), _Photos())


def test_vector_runs_take_rate_and_distortion_per_setting(tmp_path):
  text = "codec,setting,rate_nats,distortion\nvq,k=16,1.5,0.25\nvq,k=64,2.25,0.125\n"
  user, = points.parse(_file(tmp_path, text), _Vectors())
  assert [(r.rate_nats, r.distortion, r.pixels_per_sample, r.bpp) for r in user.records] == [
      (1.5, 0.25, None, None), (2.25, 0.125, None, None)]
  assert user.per_image == {}
  # Image columns on a vector run, and negative rates, are refused.
  with pytest.raises(ValueError, match=r"^v\.csv line 1: missing column\(s\) rate_nats, "
                                       r"distortion; unknown column\(s\) image, bpp, psnr_db; "
                                       r"a gaussian-dim=2 run's points have the columns "):
    points.parse(_file(tmp_path, _HEADER + _good_rows()[0], "v.csv"), _Vectors())
  with pytest.raises(ValueError, match=r"^points row 2: rate_nats is -1; it must be at least 0$"):
    points.parse([dict(codec="vq", setting="a", rate_nats=1, distortion=0.5),
                  dict(codec="vq", setting="b", rate_nats=-1, distortion=0.4)], _Vectors())
  with pytest.raises(ValueError, match=r"^points row 2: a second row for vq, a \(the first: "
                                       r"points row 1\)$"):
    points.parse([dict(codec="vq", setting="a", rate_nats=1, distortion=0.5)] * 2, _Vectors())
  assert math.isclose(points.parse([dict(codec="vq", setting="a", rate_nats="0",
                                         distortion=0)], _Vectors())[0].records[0].rate_nats, 0)
