# ecosim: `make run` sets everything up and runs the Zhongguancun baseline; `make test` tests.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OUT ?= runs/zgc_baseline

.PHONY: setup run test test-slow test-browser test-all lint typecheck bench bench-record clean calibrate-zgc calibrate-sv

$(STAMP): pyproject.toml
	@if [ ! -x "$(PY)" ] || ! "$(PY)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
	  rm -rf "$(VENV)"; PY312="$$(tools/find-python312)" || exit 1; \
	  echo "creating $(VENV) with $$PY312"; "$$PY312" -m venv "$(VENV)"; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(PY) -m sim.warm_kernels
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ecosim run scenarios/zgc_baseline.yaml --out $(OUT) --force

test: $(STAMP)
	$(PY) -m pytest -q -n 2

test-slow: $(STAMP)
	$(PY) -m pytest -q -n 2 -m slow

test-browser: $(STAMP)
	$(PY) -m pytest -q -m browser

test-all: test test-slow test-browser

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests experiments
	$(VENV)/bin/ruff format --check sim tests experiments

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/ecosim bench

# Append this commit's figures to benchmarks/history.csv (run on a quiet machine)
NOTE ?=
bench-record: $(STAMP)
	$(VENV)/bin/ecosim bench --record benchmarks/history.csv --note "$(NOTE)"

clean:
	rm -rf runs .pytest_cache

# Re-make a shipped posterior in one command (resumable: run it again after an interruption).
# CAL=first uses the reduced-budget spec of the first shipped posterior.
CAL ?=
calibrate-zgc: $(STAMP)
	$(VENV)/bin/ecosim calibrate experiments/calibrate_zgc$(if $(CAL),_$(CAL)).yaml --out calibrations/zgc$(if $(CAL),_$(CAL)) --resume
	$(PY) -m sim.calibration.ship calibrations/zgc$(if $(CAL),_$(CAL)) zgc
	$(PY) -m sim.calibration.adopt experiments/calibration/zgc scenarios/zgc_baseline.yaml experiments/calibration/zgc

calibrate-sv: $(STAMP)
	$(VENV)/bin/ecosim calibrate experiments/calibrate_sv$(if $(CAL),_$(CAL)).yaml --out calibrations/sv$(if $(CAL),_$(CAL)) --resume
	$(PY) -m sim.calibration.ship calibrations/sv$(if $(CAL),_$(CAL)) sv
	$(PY) -m sim.calibration.adopt experiments/calibration/sv scenarios/silicon_valley.yaml experiments/calibration/sv
