# make demo: set up and run the demo batch;  make test: set up and run the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench bench-store clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/zorgclaim demo
	$(BIN)/zorgclaim books-demo
	$(BIN)/zorgclaim dbc demo

test: setup
	scripts/with-postgres.sh $(BIN)/python -m pytest

bench: setup
	$(BIN)/pip install -q -e '.[bench]'
	cd bench && ../$(BIN)/python run.py $(BENCH_ARGS)

bench-store: setup
	cd bench && ../scripts/with-postgres.sh ../$(BIN)/python store.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .zorgclaim build src/*.egg-info
