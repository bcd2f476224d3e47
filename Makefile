# dorf: `make run` starts the demo, `make test` runs every check. Both install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export PORT

.PHONY: install run test lint types migrations-check pytest worker messages bench-clean clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	@touch $(STAMP)

# The backoffice's browser tests drive Debian's Chromium (tests/backoffice/test_browser.py).
CHROMIUM := /usr/bin/chromium

install: $(STAMP) $(CHROMIUM)

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (needs root)."
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
	  || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

# The demo needs no browser: only the Python packages.
run: $(STAMP)
	@bash scripts/run.sh

test: install lint types migrations-check pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: install
	$(BIN)/mypy .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py ensure_database
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

pytest: install
	bash scripts/pytest.sh

# A Celery worker (with beat) for a local setup with REDIS_URL; `make run` starts one itself.
worker: install
	$(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2

messages: install
	cd dorf && ../$(BIN)/django-admin makemessages -l de --no-obsolete && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
