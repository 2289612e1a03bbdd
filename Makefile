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

CASE_FILES := $(sort $(wildcard data/cases/*.yaml))
CASE_IDS := $(notdir $(basename $(CASE_FILES)))
SRC_FILES := $(shell find src -name '*.py' -o -name '*.yaml' -o -name '*.j2' -o -name '*.tpl' 2>/dev/null | LC_ALL=C sort)
TEMPLATE := notebooks/case_report.ipynb
CASE_REPORTS := $(foreach c,$(CASE_IDS),reports/cases/$(c).html)

.PHONY: help reports test lab clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_.%/-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV): $(STAMP) ## the environment alone, from requirements.lock

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "caseseries needs Python 3.11, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --compile-bytecode requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --compile-bytecode -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "caseseries (Python 3.11)" >/dev/null
	touch $@
