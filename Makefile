# Two commands: `make demo` and `make test`. Each sets up .venv when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

PEERS := .venv-peers
PEERS_STAMP := $(PEERS)/.installed

.PHONY: demo test lint typecheck unit bench bench-peers clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/confide demo-nodes

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	# pytest exits 5 when it collects no test; that is not a failure of the code.
	$(BIN)/python -m pytest; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

bench: $(STAMP)
	$(BIN)/python bench/link.py --quick --json bench/link.json

# Peer systems for side-by-side benchmarks (`bench/*.py --peers`); never a dependency of Confide.
bench-peers: $(PEERS_STAMP)

$(PEERS_STAMP): bench/peers/requirements.txt
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet -r bench/peers/requirements.txt
	touch $(PEERS_STAMP)

clean:
	rm -rf $(VENV) $(PEERS) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

# SecretFlow 1.14 beside Confide (`bench/peers/secretflow/`); it installs only on Python 3.10:
# the first working python3.10 on PATH or under pyenv (override with PYTHON310=...).
PYTHON310 ?= $(shell for p in $$(command -v python3.10) $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.10.*/bin/python 2>/dev/null | sort -rV); do $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && echo $$p && break; done)
SF := .venv-sf
SF_STAMP := $(SF)/.installed

.PHONY: bench-peers-sf
bench-peers-sf: $(SF_STAMP)

$(SF_STAMP): bench/peers/secretflow/requirements.txt
	@test -n "$(PYTHON310)" || { echo "bench-peers-sf: no Python 3.10 found; set PYTHON310=" >&2; exit 1; }
	test -x $(SF)/bin/python || $(PYTHON310) -m venv $(SF)
	$(SF)/bin/python -m pip install --quiet -r bench/peers/secretflow/requirements.txt
	touch $(SF_STAMP)
