"""Every preset evaluates at an M whose coverage was measured; any other M says so."""

from rdbounds.lower import config
from rdbounds.lower import coverage


def test_every_preset_evaluates_at_a_measured_m():
  # A preset moved to an M nobody measured would quote intervals of unknown coverage.
  for image, table in ((False, config.PRESETS), (True, config.IMAGE_PRESETS),
                       (True, config.PHOTO_PRESETS)):
    for name, preset in table.items():
      assert coverage.unmeasured_note(preset.m, image) == "", (name, image, preset.m)


def test_an_unmeasured_m_gets_one_warning_line_naming_it():
  note = coverage.unmeasured_note(7, image=True)
  assert note.startswith("warning: lower_bound: ") and "M = 7" in note and "\n" not in note
  assert coverage.unmeasured_note(2, image=False).count("M = 2") == 1
  # Above the largest measured M the interval only gets closer to its nominal level.
  assert coverage.unmeasured_note(500, image=False) == ""
