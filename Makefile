# armednet: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.armednet-installed
PYTEST_ARGS ?= -n 2

.PHONY: setup demo test bench lint docs clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all]"
	$(PY) -m armednet.sim.kernels
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/armednet demo

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

docs: setup
	$(PY) -m armednet.sim.docs docs/model.md

clean:
	rm -rf $(VENV) armednet-out .pytest_cache .mypy_cache .ruff_cache
