# Everything a fresh machine needs; `make ask Q="..."` and `make test` are the two entry points.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
QA := $(VENV)/bin/qa
STAMP := $(VENV)/.installed

.PHONY: setup ask index test eval eval-scifact bench clean browser serve screenshots strace

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
	@$(QA) index seeds  # a no-op when up to date; rebuilds an index an older qa wrote
	$(QA) ask "$(Q)"

# pytest, then the eval gate: the test split must meet evals/thresholds.json (report: reports/eval-test.md).
test: setup browser strace
	$(PY) -m pytest -q
	$(QA) eval --split test --mode extractive --gate --markdown reports/eval-test.md

# The evaluation alone (SPLIT=dev|test|all), on its own index of seeds/ (.qa/eval-index).
SPLIT ?= test
eval: setup
	$(QA) eval --split $(SPLIT) --markdown reports/eval-$(SPLIT).md --json reports/eval-$(SPLIT).json

# Out of domain: 73 questions about 30 SciFact abstracts (../shared), written blind; the seeds' calibration, no gate.
eval-scifact: setup
	$(PY) -m bench.scifact_questions

# Debian's chromium for the browser test (never `playwright install`: it downloads its own browser).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT := $(SUDO) apt-get -o DPkg::Lock::Timeout=600
browser:
	@command -v chromium >/dev/null || { $(APT) update && $(APT) install -y --no-install-recommends chromium chromium-driver; }

# strace lets tests/test_offline.py see connections that native code (onnxruntime, Chroma's core) would open.
strace:
	@command -v strace >/dev/null || { $(APT) update && $(APT) install -y --no-install-recommends strace; }

serve: setup
	@$(QA) index seeds  # a no-op when up to date; rebuilds an index an older qa wrote
	$(QA) serve

# docs/screenshot*.png, taken by the browser test at laptop and phone width.
screenshots: setup browser
	QA_SCREENSHOT_DIR=docs $(PY) -m pytest -q tests/test_browser.py

# Speed, memory and retrieval quality beside the LlamaIndex starter (~15 min idle; tables in reports/bench.md).
bench: setup
	$(PY) -m bench.run

clean:
	rm -rf .qa .pytest_cache
