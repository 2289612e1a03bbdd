# caseseries: `make reports` renders every case, `make test` runs every check.
# Both create the environment (.venv, from requirements.lock) when it is missing.

SHELL := /bin/bash
# A target whose recipe fails is deleted (a stamp half made is not made), except the outputs marked
# .PRECIOUS below: their writes are atomic, so a failed or interrupted render leaves them as they were.
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := $(shell sed -n 's/^uv==//p' requirements.lock)
KERNEL := caseseries
NBVAL := --nbval-kernel-name $(KERNEL) -p no:cacheprovider

# Case files: every data/cases/*.yaml that is a file (a folder named x.yaml is not a case; `validate` says so).
CASE_FILES := $(filter-out $(patsubst %/,%,$(wildcard data/cases/*.yaml/)),$(sort $(wildcard data/cases/*.yaml)))
CASE_IDS := $(notdir $(basename $(CASE_FILES)))
SRC_FILES := $(shell find src/caseseries -type f \( -name '*.py' -o -name '*.j2' -o -name '*.json' -o -name '*.yaml' \) | LC_ALL=C sort)
CASE_REPORTS := $(foreach c,$(CASE_IDS),reports/cases/$(c).html)
DRUGS := data/reference/drugs.yaml
NODE_STAMP := node_modules/.package-lock.json
CASE_DECKS := $(foreach c,$(CASE_IDS),reports/slides/$(c).slides.html)

.PHONY: help reports test lab clean distclean lock slides teach teach-stages bench schema snakemake exports mutation

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

reports: $(CASE_REPORTS) reports/series.html reports/index.html $(CASE_DECKS) reports/teaching.ipynb ## render every case report, the series, the decks, the teaching notebook and the index (only what changed); remove reports of deleted cases
	$(BIN)/caseseries prune

# Never deleted by make, on an error or an interrupt (Ctrl-C, make -j): `caseseries` writes every output
# atomically, so what is there is either the previous file or the new one, and the next `make reports`
# repairs. Without this, .DELETE_ON_ERROR and the interrupt handling of GNU make would delete the kept
# notebooks of both targets of a two-target rule (the notebook and its HTML), committed files included.
.PRECIOUS: reports/cases/%.ipynb reports/cases/%.html reports/series%ipynb reports/series%html \
	reports/index.html reports/slides/%.slides.html \
	$(foreach c,$(CASE_IDS),reports/cases/$(c).ipynb reports/cases/$(c).html reports/slides/$(c).slides.html) \
	reports/series.ipynb reports/series.html reports/teaching.ipynb

# One rule, two files: the kept notebook (checked by nbval) and its HTML.
reports/cases/%.ipynb reports/cases/%.html: data/cases/%.yaml notebooks/case_report.ipynb $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries render $*

# The series (one notebook over every case) and the landing page. `data/cases` itself is a
# prerequisite so that adding or removing a case file re-renders them. The `%` (matching
# ".") makes this one rule for two files, run once, as with the case reports above.
reports/series%ipynb reports/series%html: $(CASE_FILES) data/cases $(DRUGS) notebooks/case_series.ipynb $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries series --no-index

reports/index.html: $(CASE_REPORTS) reports/series.html $(CASE_DECKS) data/cases $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries index

# The teaching notebook (notebooks/teaching.ipynb) run for one case, kept and checked by nbval as the reports are.
reports/teaching.ipynb: notebooks/teaching.ipynb $(CASE_FILES) data/cases $(DRUGS) $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries teaching-notebook

# check-reports first: a kept report rendered from another template or version, or whose case file is gone,
# is named in one line each (nbval would fail on it with pages of diffs, or pass against an old template).
# --dist worksteal: a worker that runs out of tests takes some of the other's (the end-to-end tests take up to a
# minute each): 320 s against 344 s for pytest-xdist's default, measured one after the other on 2 cores.
test: $(STAMP) $(NODE_STAMP) ## run every check: the kept reports are current, unit tests, nbval on them, the templates
	$(BIN)/caseseries check-reports
	$(BIN)/pytest tests -n 2 --dist worksteal --durations=8
	$(BIN)/pytest --nbval $(NBVAL) reports/cases reports/series.ipynb reports/teaching.ipynb
	$(BIN)/pytest --nbval-lax $(NBVAL) notebooks

# The JSON Schema that editors use to complete and check case files as one types (each case file
# names it on its first line). Generated from src/caseseries/model/case.py: run after changing the model;
# tests/test_schema.py fails until then.
schema: $(STAMP) ## rewrite data/case.schema.json from the case model (after a change to model.py)
	$(BIN)/caseseries schema --out data/case.schema.json

# The same graph as `make reports`, run by Snakemake (workflow/Snakefile; docs/scaling.md): the same commands,
# inputs and outputs, so the same files, byte for byte (tests/test_workflow.py). On a cluster:
# make snakemake SNAKEMAKE_ARGS='--profile workflow/profiles/slurm'.
# SCHEDULER: Snakemake's default re-examines every ready job (the ILP, each input's size) each time a job ends,
# which grows with the square of the cases (100 cases: 42.8 s of its own CPU; greedy over 8 drawn at random: 14.3 s).
CORES ?= 2
SCHEDULER ?= --scheduler greedy --scheduler-subsample 8
SNAKEMAKE_ARGS ?=
snakemake: $(STAMP) $(NODE_STAMP) ## make reports through Snakemake (CORES=2; SNAKEMAKE_ARGS='--profile workflow/profiles/slurm')
	$(BIN)/snakemake --cores $(CORES) $(SCHEDULER) $(SNAKEMAKE_ARGS)

# Mutation testing of the core modules (pyproject.toml [tool.mutmut]): one-line breaks of dates, timeline,
# metrics, disclosure, load and checks, each run against the tests that reach it; not part of `make test`.
# Prints the score per module and the surviving mutants (`.venv/bin/mutmut show NAME` shows one).
mutation: $(STAMP) ## mutation score of the core modules and the mutants the tests miss (a few minutes on 2 cores)
	$(BIN)/mutmut run --max-children 2 >/dev/null || true
	$(BIN)/python tools/mutation_score.py

BENCH_RUNS ?= 3
bench: $(STAMP) $(NODE_STAMP) ## time what users wait for against its floor (bench/README.md); median of BENCH_RUNS runs
	$(BIN)/python bench/run.py --runs $(BENCH_RUNS)

# reveal.js for the slide decks, pinned in package.json and package-lock.json; npm ci installs
# exactly the lock into node_modules (nothing is fetched when a deck is opened).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

slides: $(CASE_DECKS) ## a reveal.js deck per case in reports/slides (opens offline)

# reveal.js is copied next to the decks once, before any deck: decks made side by side (make -j) would
# otherwise each copy it through the same staging folder. Order-only: `caseseries slides` itself copies it
# again when node_modules holds another version.
REVEAL := reports/slides/reveal.js/package.json
$(REVEAL): | $(STAMP) $(NODE_STAMP)
	$(BIN)/caseseries slides --reveal-only

# A deck is made from the kept notebook, without running it again; reveal.js is copied next to it.
reports/slides/%.slides.html: reports/cases/%.ipynb $(SRC_FILES) $(STAMP) $(NODE_STAMP) | $(REVEAL)
	$(BIN)/caseseries slides $*

# Exports (docs/exports.md): a FHIR R4B bundle, cBioPortal timeline files and a Phenopacket per case, each
# made again only when its case file, the drug reference or src/ changed. A case's cBioPortal files vary
# in number (one per event type it has), so a hidden stamp stands for them. Written atomically, like the
# reports: never deleted by make on an error or an interrupt.
EXPORTS := $(foreach c,$(CASE_IDS),reports/exports/fhir/$(c).fhir.json reports/exports/phenopacket/$(c).phenopacket.json \
	reports/exports/cbioportal/.$(c).done)
.PRECIOUS: reports/exports/fhir/%.fhir.json reports/exports/phenopacket/%.phenopacket.json \
	$(filter-out %.done,$(EXPORTS))

exports: $(EXPORTS) ## export every case to reports/exports/{fhir,cbioportal,phenopacket} (only what changed)
	$(BIN)/caseseries index

reports/exports/fhir/%.fhir.json: data/cases/%.yaml $(DRUGS) $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries export $* --to fhir --out reports/exports/fhir

reports/exports/phenopacket/%.phenopacket.json: data/cases/%.yaml $(DRUGS) $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries export $* --to phenopacket --out reports/exports/phenopacket

reports/exports/cbioportal/.%.done: data/cases/%.yaml $(DRUGS) $(SRC_FILES) $(STAMP)
	$(BIN)/caseseries export $* --to cbioportal --out reports/exports/cbioportal
	touch $@

teach: $(STAMP) $(NODE_STAMP) ## the teaching view as of a date: make teach CASE=<id> AS_OF=<date>
	@if [ -z "$(CASE)" ] || [ -z "$(AS_OF)" ]; then \
	  echo "usage: make teach CASE=<case_id> AS_OF=<date> (e.g. AS_OF=2023-09, or AS_OF='rit-start + 6 months')" >&2; exit 2; fi
	$(BIN)/caseseries teach "$(CASE)" "$(AS_OF)"

# The unfolding case of every decision point (one offline deck and a stage-1 handout per case), for CASE= or all.
teach-stages: $(STAMP) $(NODE_STAMP) ## the staged teaching deck and handout: make teach-stages [CASE=<id>] [SINGLE_FILE=1]
	@set -e; for c in $(or $(CASE),$(CASE_IDS)); do \
	  $(BIN)/caseseries teach "$$c" --stages $(if $(SINGLE_FILE),--single-file,); done
	$(BIN)/caseseries index

# Jupyter refuses to run as root unless told; the machines here run as root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

# At the project root (notebooks/, reports/ and data/ in the file browser), opened on the explore notebook;
# new notebooks get the project kernel.
LAB_URL ?= /lab/tree/notebooks/explore.ipynb
lab: $(STAMP) ## JupyterLab at the project root with the project kernel, opened on notebooks/explore.ipynb
	$(BIN)/jupyter lab --ServerApp.root_dir=. --MappingKernelManager.default_kernel_name=$(KERNEL) \
	  --LabApp.default_url=$(LAB_URL) $(LAB_ARGS)

lock: ## re-pin requirements.lock from pyproject.toml, and environment.yml with it
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header --quiet -o requirements.lock
	$(BIN)/python -m caseseries.model.environment requirements.lock > environment.yml

clean: ## remove rendered HTML and caches (kept notebooks stay)
	find reports -name '*.html' -delete
	rm -rf reports/slides/reveal.js
	rm -rf .pytest_cache bench/results
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean ## also remove the environment and node_modules
	rm -rf $(VENV) node_modules
