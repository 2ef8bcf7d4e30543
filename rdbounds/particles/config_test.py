"""The wgd configuration: registered for vector sources, checked values, no TensorFlow."""

import subprocess
import sys

import pytest

from rdbounds import estimators
from rdbounds.particles import config


def test_registered_with_flags_and_presets_without_loading_tensorflow():
  # Flags are checked before TensorFlow loads: the registry entry and presets must not need it.
  code = ("import sys; from rdbounds import estimators; e = estimators.get('wgd'); "
          "e.preset('paper'); assert 'tensorflow' not in sys.modules, 'tensorflow loaded'")
  subprocess.run([sys.executable, "-c", code], check=True)
  wgd = estimators.get("wgd")
  assert wgd.flag_prefix == "wgd_" and wgd.config_class is config.WGDConfig


def test_presets_grow_in_budget_and_images_get_their_own_step():
  # quick < default < paper in particles and evaluation samples (the rate cannot exceed ln p;
  # presets are named for their cost), and images move particles in smaller steps (the kernel
  # is wide per pixel: docs/results.md, "GAN images").
  wgd = estimators.get("wgd")
  for image in (False, True):
    quick, default, paper = (wgd.preset(name, image=image) for name in ("quick", "default",
                                                                         "paper"))
    assert quick.particles < default.particles < paper.particles
    assert quick.eval_samples < default.eval_samples < paper.eval_samples
  assert all(wgd.preset(name, image=True).lr < wgd.preset(name).lr
             for name in ("quick", "default", "paper"))


class _Images:
  name, event_shape, has_whole_images = "images", (8, 8, 3), False


class _Photos(_Images):
  has_whole_images = True


class _Volumes(_Images):
  event_shape = (4, 4, 4, 1)


def test_takes_images_but_refuses_photos_and_other_shapes_in_one_line():
  wgd = estimators.get("wgd")
  assert wgd.not_applicable(_Images()) is None
  for source, words in ((_Photos(), "measured whole"), (_Volumes(), "(4, 4, 4, 1)")):
    reason = wgd.not_applicable(source)
    assert reason and "\n" not in reason and words in reason


@pytest.mark.parametrize("option,value,message", [
    ("particles", "0", "particles must be >= 1"),
    ("lr", "-1", "lr must be > 0"),
    ("optimizer", "rmsprop", "expected one of adam, sgd"),
    ("responsibility_decay", "0", "responsibility_decay must lie in"),
    ("weight_updates_every", "-2", "must be >= 0"),
])
def test_bad_values_are_refused_in_one_line(option, value, message):
  with pytest.raises(ValueError, match=message) as error:
    config.PRESETS["default"].override(**{option: value})
  assert "\n" not in str(error.value)
