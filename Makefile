# caseseries: `make reports` renders every case, `make test` runs every check.
# Both create the environment (.venv, from requirements.lock) when it is missing.

SHELL := /bin/bash
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := $(shell sed -n 's/^uv==//p' requirements.lock)
KERNEL := caseseries
NBVAL := --nbval-kernel-name $(KERNEL) -p no:cacheprovider

CASE_IDS := $(notdir $(basename $(sort $(wildcard data/cases/*.yaml))))
SRC_FILES := $(shell find src/caseseries -type f \( -name '*.py' -o -name '*.j2' -o -name '*.json' -o -name '*.yaml' \) | LC_ALL=C sort)
CASE_REPORTS := $(foreach c,$(CASE_IDS),reports/cases/$(c).html)
CASE_FILES := $(sort $(wildcard data/cases/*.yaml))
DRUGS := data/reference/drugs.yaml
NODE_STAMP := node_modules/.package-lock.json
CASE_DECKS := $(foreach c,$(CASE_IDS),reports/slides/$(c).slides.html)

.PHONY: help reports test lab clean distclean lock slides teach bench schema

help: ## list the targets
	@grep -hE '^[a-zA-Z_.%/-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(VENV): $(STAMP) ## the environment alone, from requirements.lock

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "caseseries needs Python 3.11, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --compile-bytecode requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --compile-bytecode -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "caseseries (Python 3.11)" >/dev/null
	touch $@

reports: $(CASE_REPORTS) reports/series.html reports/index.html $(CASE_DECKS) ## render every case report, the series and the index (only what changed)

# One rule, two files: the kept notebook (checked by nbval) and its HTML.
reports/cases/%.ipynb reports/cases/%.html: data/cases/%.yaml notebooks/case_report.ipynb $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries render $*

# The series (one notebook over every case) and the landing page. `data/cases` itself is a
# prerequisite so that adding or removing a case file re-renders them. The `%` (matching
# ".") makes this one rule for two files, run once, as with the case reports above.
reports/series%ipynb reports/series%html: $(CASE_FILES) data/cases $(DRUGS) notebooks/case_series.ipynb $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries series

reports/index.html: $(CASE_REPORTS) reports/series.html data/cases $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries index

test: $(STAMP) $(NODE_STAMP) ## run every check: unit tests, nbval on the kept reports, the templates
	$(BIN)/pytest tests -n 2 --durations=8
	$(BIN)/pytest --nbval $(NBVAL) reports/cases reports/series.ipynb
	$(BIN)/pytest --nbval-lax $(NBVAL) notebooks

# The JSON Schema that editors use to complete and check case files as one types (each case file
# names it on its first line). Generated from src/caseseries/model.py: run after changing the model;
# tests/test_schema.py fails until then.
schema: $(STAMP) ## rewrite data/case.schema.json from the case model (after a change to model.py)
	$(BIN)/caseseries schema --out data/case.schema.json

BENCH_RUNS ?= 3
bench: $(STAMP) ## time what users wait for against its floor (bench/README.md); median of BENCH_RUNS runs
	$(BIN)/python bench/run.py --runs $(BENCH_RUNS)

# reveal.js for the slide decks, pinned in package.json and package-lock.json; npm ci installs
# exactly the lock into node_modules (nothing is fetched when a deck is opened).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

slides: $(CASE_DECKS) ## a reveal.js deck per case in reports/slides (opens offline)

# A deck is made from the kept notebook, without running it again; reveal.js is copied next to it.
reports/slides/%.slides.html: reports/cases/%.ipynb $(SRC_FILES) $(STAMP) $(NODE_STAMP)
	$(BIN)/caseseries slides $*

teach: $(STAMP) $(NODE_STAMP) ## the teaching view as of a date: make teach CASE=<id> AS_OF=<date>
	@if [ -z "$(CASE)" ] || [ -z "$(AS_OF)" ]; then \
	  echo "usage: make teach CASE=<case_id> AS_OF=<date> (e.g. AS_OF=2023-09, or AS_OF='rit-start + 6 months')" >&2; exit 2; fi
	$(BIN)/caseseries teach "$(CASE)" "$(AS_OF)"

# Jupyter refuses to run as root unless told; the machines here run as root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP) ## JupyterLab with the project kernel, opened on notebooks/
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

lock: ## re-pin requirements.lock from pyproject.toml, and environment.yml with it
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header --quiet -o requirements.lock
	$(BIN)/python -m caseseries.environment requirements.lock > environment.yml

clean: ## remove rendered HTML and caches (kept notebooks stay)
	find reports -name '*.html' -delete
	rm -rf reports/slides/reveal.js
	rm -rf .pytest_cache bench/results
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean ## also remove the environment and node_modules
	rm -rf $(VENV) node_modules
