"""The library's entry points, one function per command (`rdbounds.sandwich` and friends).

Each takes data or a run folder and returns a `Result` whose records are the rows of the
run's CSV. They know nothing of command-line flags (`rdbounds.cli` maps flags onto them) and
load TensorFlow only when they build a source, so importing them is cheap.
"""
