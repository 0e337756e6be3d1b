# memtypes: `make run` sets everything up and serves http://$(HOST):$(PORT); `make test` runs the suite.
# Both are idempotent: the virtualenv is rebuilt only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup graphviz lint diagram-png bench load clean

run: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup $(VENV)/.dev-installed
	$(BIN)/pytest

setup: $(VENV)/.installed graphviz
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_kernel_data

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "memtypes needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

# The diagrams need Graphviz's `dot` program: installed from apt when running as root.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Graphviz (apt package graphviz)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "Graphviz's dot program is missing. Run:  sudo apt-get install graphviz"; exit 1; \
	  fi; }

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Regenerates the picture the README shows, from the kernel data.
diagram-png: setup
	$(BIN)/python manage.py render_diagram docs/hierarchy.png

bench: setup $(VENV)/.dev-installed
	$(BIN)/python bench/run.py

# Mixed reads and token writes at concurrency 32 against a threaded server: errors and lost writes.
load: setup
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
