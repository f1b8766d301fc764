# make demo: set up and run the demo batch;  make test: set up and run the tests;  make serve: the service on the demo book.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup browser demo test serve bench bench-store bench-api clean

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

# Debian's Chromium for the browser tests (tests/test_web.py): a browser build cannot be downloaded here,
# so Playwright drives the distribution's package
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium is not installed (needs root): the browser tests will be skipped"

test: setup browser
	scripts/with-postgres.sh $(BIN)/python -m pytest

# the HTTP API on http://127.0.0.1:8000 (OpenAPI at /docs); the first start loads the demo book into
# the store ($ZORGCLAIM_HOME/zorgclaim.db) and prints the demo users
serve: setup
	$(BIN)/zorgclaim serve --demo $(SERVE_ARGS)

bench: setup
	$(BIN)/pip install -q -e '.[bench]'
	cd bench && ../$(BIN)/python run.py $(BENCH_ARGS)

bench-store: setup
	$(BIN)/pip install -q -e '.[bench]'
	cd bench && ../scripts/with-postgres.sh ../$(BIN)/python store.py $(BENCH_ARGS)

# load on zorgclaim serve: BENCH_ARGS="--db postgresql --rate 75 --items 4" and the like
bench-api: setup
	$(BIN)/pip install -q -e '.[bench]'
	cd bench && ../scripts/with-postgres.sh ../$(BIN)/python api_load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .zorgclaim build src/*.egg-info
