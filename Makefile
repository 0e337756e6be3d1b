# memtypes: `make run` sets everything up and serves http://$(HOST):$(PORT) as production does
# (gunicorn, static files by WhiteNoise, DEBUG off); `make dev` serves with Django's autoreloading
# development server for editing code; `make test` runs the suite.
# Both are idempotent: the virtualenv is rebuilt only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev test setup graphviz wrk lint compose-config diagram-png screenshots bench load clean pahole ingest

# Production settings over plain HTTP on this machine; each of these variables can be overridden
# from the environment. DJANGO_SECRET_KEY, when unset, is made once in the git-ignored .secret-key.
run: export DJANGO_DEBUG ?= 0
run: export DJANGO_ALLOWED_HOSTS ?= 127.0.0.1,localhost
run: export DJANGO_SECURE_SSL_REDIRECT ?= 0
run: setup
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn memtypes_site.wsgi

dev: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite on every CPU, each test module on one worker (its module-scoped data loaded once).
test: setup $(VENV)/.dev-installed
	$(BIN)/pytest -n auto --dist loadscope

setup: $(VENV)/.installed graphviz
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_kernel_data
	# Collected as production serves them (hashed names, compressed), for make run and the tests.
	DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 \
	  $(BIN)/python manage.py collectstatic --noinput -v0

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

# $(call apt_program,PROGRAM,PACKAGE): PROGRAM, installed from apt when missing and running as
# root; otherwise the one command to run, and a failure.
apt_program = command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $(1) (apt package $(2))"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(1) is missing. Run:  sudo apt-get install $(2)"; exit 1; \
	  fi; }

# The diagrams need Graphviz's `dot` program.
graphviz:
	@$(call apt_program,dot,graphviz)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# docker-compose.yml validated by docker-compose's own parser (`config`), with .env.example's values
# and placeholder secrets; no container engine is needed.
compose-config: .venv-compose/.installed
	DJANGO_SECRET_KEY=placeholder POSTGRES_PASSWORD=placeholder \
	  .venv-compose/bin/docker-compose --env-file .env.example config --quiet && echo "docker-compose.yml is valid"

.venv-compose/.installed: requirements-compose.txt
	$(PYTHON) -m venv .venv-compose
	.venv-compose/bin/pip install -q --no-deps -r requirements-compose.txt
	@touch $@

# Regenerates the picture the README shows, from the kernel data.
diagram-png: setup
	$(BIN)/python manage.py render_diagram docs/hierarchy.png

# Regenerates the README's screenshots (docs/screenshots/, 1280x800) from the site serving the
# kernel data, photographed by Debian's Chromium (apt-get install chromium) through Playwright.
screenshots: setup $(VENV)/.dev-installed
	$(BIN)/python manage.py screenshots docs/screenshots

# gunicorn as `make run` serves, driven by wrk, warm and cold, beside a bare Django view (bench/run.py):
#   make bench                  the real data
#   make bench SCALE=40         plus 40x synthetic releases, builds and types (manage.py generate_scale)
#   make bench ARGS="--duration 10 --urls /types/slab/,/api/v1/types/"
SCALE ?= 1
bench: setup $(VENV)/.dev-installed wrk
	$(BIN)/python bench/run.py --scale $(SCALE) $(ARGS)

# The benchmark's HTTP load generator.
wrk:
	@$(call apt_program,wrk,wrk)

# pahole 1.30 (Debian trixie) and the libraries it needs, unpacked into .cache/pahole/ and run
# through their own dynamic loader: bookworm's pahole 1.24 misreads 7.x BTF, and the system's
# apt configuration and libraries are left alone. APT_CONFIG must name an apt configuration
# with a trixie entry (data/layouts/README.md shows one). Writes .cache/pahole/pahole.
PAHOLE_DIR := .cache/pahole
PAHOLE_DEBS := pahole/trixie dwarves/trixie libbpf1/trixie libdw1t64/trixie libelf1t64/trixie \
  libc6/trixie libgcc-s1/trixie zlib1g/trixie libzstd1/trixie liblzma5/trixie libbz2-1.0/trixie
pahole: $(PAHOLE_DIR)/pahole
$(PAHOLE_DIR)/pahole:
	@test -n "$$APT_CONFIG" || { echo "set APT_CONFIG to an apt configuration with trixie (see data/layouts/README.md)"; exit 1; }
	rm -rf $(PAHOLE_DIR) && mkdir -p $(PAHOLE_DIR)/debs $(PAHOLE_DIR)/root
	cd $(PAHOLE_DIR)/debs && apt-get download -q $(PAHOLE_DEBS)
	for d in $(PAHOLE_DIR)/debs/*.deb; do dpkg-deb -x "$$d" $(PAHOLE_DIR)/root; done
	printf '#!/bin/sh\nR="$$(cd "$$(dirname "$$0")" && pwd)/root"\nexec "$$R/usr/lib64/ld-linux-x86-64.so.2" --library-path "$$R/lib/x86_64-linux-gnu:$$R/usr/lib/x86_64-linux-gnu" "$$R/usr/bin/pahole" "$$@"\n' > $@.tmp
	chmod +x $@.tmp && mv $@.tmp $@
	$@ --version

# Reads one Debian kernel package into data/layouts/ (see data/layouts/README.md), e.g.
#   make ingest ARGS="--package linux-binary-7.2.13+deb14-cloud-amd64=7.2.13-1 --release v7.2"
ingest: $(VENV)/.installed
	$(BIN)/python manage.py ingest_release $(ARGS)

# Mixed reads and token writes at concurrency 32 against a threaded server: errors and lost writes.
load: setup
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .venv-compose db.sqlite3 staticfiles .secret-key
