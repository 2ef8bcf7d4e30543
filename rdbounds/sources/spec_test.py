"""Source specs: bad data refused before TensorFlow loads, and a job never runs on other data
than its id names."""

import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

from rdbounds import estimators
from rdbounds import references
from rdbounds import sources
from rdbounds import sweep

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SourceSpecTest(tf.test.TestCase):

  def test_a_nan_npy_is_refused_in_one_line_without_loading_tensorflow(self):
    path = os.path.join(self.get_temp_dir(), "bad.npy")
    np.save(path, np.array([[0.0, 1.0], [2.0, np.nan], [3.0, 4.0]]))
    script = ("import sys\nfrom rdbounds import sources\n"
              f"spec = sources.SourceSpec.from_options(kind='npy', train={path!r})\n"
              "try:\n  spec.check()\nexcept sources.DataError as e:\n  print(e)\n"
              "print('tensorflow' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    error, loaded = result.stdout.strip().splitlines()
    self.assertEqual(error, f"{path}: contains NaN or inf (first in sample 1)")
    self.assertEqual(loaded, "False")

  def test_a_built_spec_rebuilds_the_source_it_names_through_json(self):
    source = sources.make_source("deconvolution", dim=2, atoms=4, seed=3)
    again = sources.build(sources.SourceSpec.from_json(source.spec.to_json()))
    self.assertEqual(again.describe(), source.describe())
    self.assertAllEqual(again.sample(5, seed=1), source.sample(5, seed=1))
    # Another atom seed is another source, and the spec says so before it is used.
    other = sources.SourceSpec.from_json(dict(source.spec.to_json(), seed=4))
    with self.assertRaisesRegex(ValueError, r"not the one its spec names \(changed: "
                                r"atoms_sha256, name, seed\)"):
      sources.build(other)

  def test_a_job_whose_data_changed_on_disk_fails_instead_of_running_on_them(self):
    path = os.path.join(self.get_temp_dir(), "x.npy")
    np.save(path, np.random.default_rng(0).normal(size=(200, 2)))
    source = sources.make_source("npy", train=path)
    config = references.BlahutArimotoConfig(samples=1000, bins=10)
    job = estimators.Job("blahut_arimoto", 1.0, 0, config, source.spec)
    np.save(path, np.random.default_rng(1).normal(size=(200, 2)))
    sweep._SOURCE_CACHE.clear()  # pylint: disable=protected-access
    outcome = sweep.run_job(job, os.path.join(self.get_temp_dir(), "jobs"), log=lambda l: None)
    self.assertEqual(outcome.status, "failed")
    self.assertIn("changed: train_sha256", outcome.error)

  def test_a_source_made_in_code_is_named_but_not_rebuilt(self):
    source = sources.GaussianSource(np.zeros(2), np.array([1.0, 2.0]))
    self.assertEqual(source.spec.description, source.describe())
    with self.assertRaisesRegex(ValueError, "made in code .* cannot be rebuilt"):
      sources.build(source.spec)


if __name__ == "__main__":
  tf.test.main()
