# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
# Both build the pinned .venv once; the stamp file makes re-runs skip the install.
PYTHON ?= python3.11
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Keep TF's C++ logging and oneDNN notices out of the way of our own progress lines.
export TF_CPP_MIN_LOG_LEVEL ?= 3
# Every target runs this checkout's rdbounds, also in scripts and subprocesses, whatever the
# venv's editable install points at (a venv shared by several checkouts).
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: demo test test-slow bench bench-smoke clean-venv

$(STAMP): constraints.txt setup.cfg pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -c constraints.txt -e '.[test,dist,hub,codecs]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VPY) experiments/sandwich.py

test: $(STAMP)
	$(VPY) -m pytest -q

# The end-to-end runs and preset-size checks `make test` leaves out (minutes); CI runs both.
test-slow: $(STAMP)
	$(VPY) -m pytest -q -m slow

# Benchmarks are the scripts of benchmarks/ with a main (tightness_cases.py is a helper).
BENCHMARKS = $$(grep -l '^if __name__ == "__main__":' benchmarks/*.py)

bench: $(STAMP)
	for b in $(BENCHMARKS); do $(VPY) $$b || exit 1; done

# Every benchmark at its smallest case (--smoke): that each still runs, in minutes, not a
# measurement. CI runs it after the tests.
bench-smoke: $(STAMP)
	for b in $(BENCHMARKS); do echo "== $$b --smoke"; $(VPY) $$b --smoke || exit 1; done

clean-venv:
	rm -rf $(VENV)
