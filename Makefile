# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EVAL_STORE ?= .eval-store

.PHONY: run test unit eval install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/disclosure-qa demo

# the whole suite: the evaluation harness over the gold sets (fails below its thresholds), then pytest
test: eval unit

unit: $(STAMP)
	$(PY) -m pytest -q

eval: $(STAMP)
	$(VENV)/bin/disclosure-qa --store $(EVAL_STORE) eval

bench: $(STAMP)
	$(PY) -m evals.bench_ingest
	$(PY) -m evals.bench_ask --store $(EVAL_STORE)

clean:
	rm -rf $(VENV) .pytest_cache $(EVAL_STORE)
