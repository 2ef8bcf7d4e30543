"""The --ub_* flags map onto upper_bound config keys that the estimator accepts."""

import os
import sys

from absl import flags
from absl.testing import flagsaver
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments"))
import upper_bound_flags  # pylint: disable=g-import-not-at-top,wrong-import-position

from rdbounds import estimators  # pylint: disable=g-import-not-at-top,wrong-import-position

FLAGS = flags.FLAGS


class FlagsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    if not FLAGS.is_parsed():
      FLAGS.mark_as_parsed()

  def test_unset_flags_give_no_overrides(self):
    self.assertEqual(upper_bound_flags.overrides(), {})

  def test_every_flag_names_a_config_key(self):
    keys = set(estimators.get("upper_bound").presets["default"])
    ub_flags = {name[3:] for name in FLAGS if name.startswith("ub_")}
    self.assertContainsSubset(ub_flags, keys)

  @flagsaver.flagsaver(ub_prior="gaussian_mixture", ub_widths=["8", "4"], ub_decoder=False,
                       ub_steps=7, ub_lr=0.5, ub_latent_dim=2)
  def test_set_flags_override_the_preset(self):
    overrides = upper_bound_flags.overrides()
    self.assertEqual(overrides, {"prior": "gaussian_mixture", "widths": [8, 4], "decoder": False,
                                 "steps": 7, "lr": 0.5, "latent_dim": 2})
    config = estimators.get("upper_bound").config("quick", **overrides)
    self.assertEqual(config["widths"], [8, 4])
    self.assertEqual(config["batch"], estimators.get("upper_bound").presets["quick"]["batch"])


if __name__ == "__main__":
  tf.test.main()
