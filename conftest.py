"""Test-wide settings: quiet TensorFlow, headless matplotlib."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(items):
  # tf.test.TestCase has a `test_session` context manager that pytest mistakes for a test.
  items[:] = [item for item in items if item.name != "test_session"]
