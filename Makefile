# The two commands a newcomer needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MAKEMESSAGES := manage.py makemessages -l nl --no-location --no-obsolete --ignore=staticfiles --ignore=var --ignore=build --ignore=tests --ignore=bench

.PHONY: run test lint format messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12) and f"Python 3.12 or newer is needed, {sys.executable} is {sys.version.split()[0]}: install it or run make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[dev]"
	@touch $@ $(VENV)/.installed

# The embedded defaults (SQLite, file broker) in development mode; set DEBUG=0 and SECRET_KEY to try production mode.
run: export DEBUG ?= 1
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	@echo "Open http://$(HOST):$(PORT)/ (staff: /admin/, board: /bestuur/, privacy statement: /privacy/demo/). Ctrl-C stops everything."
	@$(BIN)/celery -A config worker --beat --loglevel=INFO & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing a user-facing string: update the Dutch catalogue, translate, then compile.
messages: $(VENV)/.installed-dev
	DEBUG=1 $(BIN)/python $(MAKEMESSAGES)
	DEBUG=1 $(BIN)/python manage.py compilemessages -l nl --ignore=.venv --ignore=staticfiles
