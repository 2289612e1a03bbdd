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

.PHONY: help reports test lab clean distclean lock

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

reports: $(CASE_REPORTS) ## render every case report (only those whose inputs changed)

# One rule, two files: the kept notebook (checked by nbval) and its HTML.
reports/cases/%.ipynb reports/cases/%.html: data/cases/%.yaml notebooks/case_report.ipynb $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries render $*

test: $(STAMP) ## run every check: unit tests, nbval on the kept reports, the templates
	$(BIN)/pytest tests --durations=8
	$(BIN)/pytest --nbval $(NBVAL) reports/cases
	$(BIN)/pytest --nbval-lax $(NBVAL) notebooks

lab: $(STAMP) ## JupyterLab with the project kernel, opened on notebooks/
	$(BIN)/jupyter lab --notebook-dir=notebooks

lock: ## re-pin requirements.lock from pyproject.toml, and environment.yml with it
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header --quiet -o requirements.lock
	$(BIN)/python -m caseseries.environment requirements.lock > environment.yml

clean: ## remove rendered HTML and caches (kept notebooks stay)
	find reports -name '*.html' -delete
	rm -rf .pytest_cache bench/results
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean ## also remove the environment
	rm -rf $(VENV)
