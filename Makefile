# Two commands for a new user: `make run` serves the portal, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TRANSLATIONS := portal/translations
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup translations clean lint lock

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Quiet when the catalogues compile; a broken one (bad syntax, a wrong placeholder) stops `make run` and `make test`.
translations: $(VENV)/.runtime
	@problems=$$($(BIN)/pybabel -q compile -d $(TRANSLATIONS) 2>&1) && [ -z "$$problems" ] || \
		{ printf '%s\n' "$$problems" >&2; echo "The translation catalogues in $(TRANSLATIONS) have problems." >&2; exit 1; }

setup: $(VENV)/.runtime translations
	$(BIN)/flask db upgrade
	$(BIN)/flask setup

# The background worker (mail, digests, reminders) runs beside the development server, on the SQLite
# queue in instance/, and stops with it: Ctrl+C stops both.
run: setup
	@$(BIN)/flask worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# In parallel, one process per core (a test file stays in one process); PYTEST_WORKERS=0 runs in this one.
PYTEST_WORKERS ?= auto
test: $(VENV)/.dev translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Removes only what `make` builds. Never instance/: it holds the database and the key that signs every certificate.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
	find $(TRANSLATIONS) -name '*.mo' -type f -delete
	find portal tests migrations bench -name __pycache__ -type d -prune -exec rm -rf {} +

# Lint and type checks, as CI runs them.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# Regenerate the pinned requirements from requirements.in and requirements-dev.in.
lock: $(VENV)/.dev
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements-dev.in
