# The front door for people and CI alike. `make run` and `make test` need nothing else.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# Test environment (kibernadzor/devenv.py): TEST_DATABASE_URL, else the PostgreSQL answering on
# 127.0.0.1:5432, else an embedded one in .data/pg; TEST_REDIS_URL, else the Redis answering on
# 127.0.0.1:6379 (db 15), else a file cache and the filesystem broker.
TEST_DATABASE_URL ?=
TEST_REDIS_URL ?=
TEST_ENV := TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	CELERY_TASK_ALWAYS_EAGER=1 \
	DEBUG=0 SECRET_KEY=test-only-not-secret SECURE_SSL_REDIRECT=0 KBZ_DEMO=0
DEVENV_TEST := $(TEST_ENV) $(PY) -m kibernadzor.devenv test --

# make run: web, Celery worker and beat (Procfile, honcho) on DATABASE_URL, else an embedded
# PostgreSQL in .data/pg; the broker is REDIS_URL / CELERY_BROKER_URL, else files in .data/broker.
RUN_ENV := DEBUG=$${DEBUG:-1} KBZ_DEMO=$${KBZ_DEMO:-1}

.PHONY: run test test-offline lint format bench install install-dev messages clean

$(VENV)/.created:
	@py=$$(scripts/find-python) && echo "Creating $(VENV) with $$py" && "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25"
	@touch $@

$(VENV)/.runtime: $(VENV)/.created requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: install
	$(RUN_ENV) PORT=$(PORT) $(PY) -m kibernadzor.devenv run

test: install-dev
	scripts/ensure-browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(DEVENV_TEST) $(PY) -m pytest $(PYTEST_ARGS)

# make test's representative part (with make run) where no PostgreSQL or Redis answers (root).
test-offline: install-dev
	scripts/offline-proof

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	DEBUG=1 $(PY) manage.py makemessages -l ru -l kk -l en --ignore=.venv --ignore=staticfiles --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

bench: install-dev
	$(DEVENV_TEST) bash -c 'for script in bench/bench_*.py; do $(PY) $$script || exit 1; done'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .data
