# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
EVAL_STORE ?= .eval-store
PORT ?= 7860

.PHONY: run test unit eval install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP) $(RUN_STAMP)

# the product alone: the default dependencies, no test extras (no torch)
$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(RUN_STAMP)

install: $(STAMP)

# the web chat on the built-in default store (an empty store first gets the bundled sample)
run: $(RUN_STAMP)
	$(VENV)/bin/disclosure-qa demo
	@echo "open http://127.0.0.1:$(PORT)/ (the chat); the API is /api/ask, the widget /widget.js — Ctrl-C stops it"
	$(VENV)/bin/disclosure-qa serve --port $(PORT)

# the whole suite: the evaluation harness over the gold sets (fails below its thresholds), then pytest
test: eval unit

unit: $(STAMP)
	$(PY) -m pytest -q

eval: $(STAMP)
	DISCLOSURE_QA_NICKNAMES=evals/place_nicknames.csv $(VENV)/bin/disclosure-qa --store $(EVAL_STORE) eval

bench: $(STAMP)
	$(PY) -m evals.bench_ingest
	$(PY) -m evals.bench_ask --store $(EVAL_STORE)

clean:
	rm -rf $(VENV) .pytest_cache $(EVAL_STORE)
