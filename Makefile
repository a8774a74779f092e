# Everything a fresh machine needs; `make ask Q="..."` and `make test` are the two entry points.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
QA := $(VENV)/bin/qa
STAMP := $(VENV)/.installed

.PHONY: setup ask index test eval bench clean

setup: $(STAMP)

# torch first: pip then takes the local CPU wheel instead of downloading CUDA builds.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

index: setup
	$(QA) index seeds

ask: setup
	@test -f .qa/index/manifest.json || $(QA) index seeds
	$(QA) ask "$(Q)"

test: setup
	$(PY) -m pytest -q

clean:
	rm -rf .qa .pytest_cache
