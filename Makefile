# Township rule-of-law report pipeline. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RAW    ?= raw
OUT    ?= processed
JOBS   ?=
SHARED ?= ../shared
# The environment is (re)built when pyproject.toml changes.
STAMP  := $(VENV)/.installed

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,ocr,notebooks,dask]'
	@touch $@

.PHONY: help
help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: venv
venv: $(STAMP) ## create .venv and install the project (done by every target that needs it)

.PHONY: analyze
analyze: $(STAMP) ## run the whole pipeline on raw/ into processed/ (RAW=..., OUT=..., JOBS=N)
	$(PY) -m pipeline analyze $(RAW) --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

.PHONY: extract
extract: $(STAMP) ## ingest and extract only: documents, sections, metrics, practices
	$(PY) -m pipeline extract $(RAW) --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

.PHONY: test
test: $(STAMP) ## run the test suite (notebooks and OCR included)
	$(PY) -m pytest -q

.PHONY: eval
eval: $(STAMP) ## accuracy against gold labels: the sample county, and ../shared when present
	$(PY) -m pipeline eval --gold samples/gold.jsonl $(RAW)
	@if [ -f $(SHARED)/corpus/seed/gold.json ]; then \
	  $(PY) -m pipeline eval --gold $(SHARED)/corpus/seed/gold.json $(SHARED)/corpus/seed; fi
	@if [ -f $(SHARED)/corpus/real-dev/gold.jsonl ]; then \
	  $(PY) -m pipeline eval --gold $(SHARED)/corpus/real-dev/gold.jsonl $(SHARED)/corpus/real-dev; fi

.PHONY: bench
bench: $(STAMP) ## benchmark against bare jieba / pdfplumber / pypdfium2; writes processed/bench.json
	$(PY) -m pipeline.bench --out $(OUT)

.PHONY: notebooks
notebooks: $(STAMP) ## execute the notebooks into processed/notebooks/*.html
	$(PY) -m pipeline notebooks --out $(OUT)/notebooks

.PHONY: jupyter
jupyter: $(STAMP) ## start JupyterLab in the project's environment
	$(VENV)/bin/jupyter lab notebooks/

.PHONY: samples
samples: $(STAMP) ## re-render the sample county (samples/source -> raw/); outputs are committed
	$(PY) scripts/render_samples.py

.PHONY: lint
lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check pipeline tests scripts
	$(VENV)/bin/ruff format --check pipeline tests scripts

.PHONY: format
format: $(STAMP) ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix pipeline tests scripts
	$(VENV)/bin/ruff format pipeline tests scripts

.PHONY: clean
clean: ## remove processed/ and caches (keeps .venv)
	rm -rf $(OUT) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

.PHONY: distclean
distclean: clean ## also remove .venv
	rm -rf $(VENV)
