# Two entry points for a fresh machine with Python 3.11 and make:
#   make demo   set up .venv and run the main job (chainrule lab on the bundled digits data)
#   make test   set up .venv with the test extras (and torch when available) and run every test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: demo test lint bench clean catalog

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(VENV)/.torch: | $(VENV)/.installed
	$(BIN)/python -m pip install -q torch==2.13.0 \
		|| echo "torch==2.13.0 is not available: the torch oracle tests will be skipped"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/chainrule lab --out $(OUT)

test: $(VENV)/.installed $(VENV)/.torch
	$(BIN)/python -m ruff check src tests benchmarks
	$(BIN)/python -m pytest -n 2 -q

# Extract the messages (Python and templates), merge them into each language's .po, compile the
# .mo files; then fill in the new msgstr in src/chainrule/locale/<lang>/LC_MESSAGES/chainrule.po
# and run it again. `python tools/catalog.py --check` lists what is untranslated.
catalog: $(VENV)/.installed
	$(BIN)/python tools/catalog.py

lint: $(VENV)/.installed
	$(BIN)/python -m ruff check src tests benchmarks
	$(BIN)/python -m ruff format --check src tests benchmarks

bench: $(VENV)/.installed $(VENV)/.torch
	$(BIN)/python benchmarks/overhead.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
