# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | sha1sum | cut -c1-12)

.PHONY: run dev test bench manage lint format check-migrations ci venv system-deps clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# Headless Chromium for the browser tests (Debian's package; Playwright drives it by path), with fonts for
# the scripts the platform shows (Chinese, Japanese, Korean, Thai), so screenshots show text, not boxes.
system-deps:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . && fc-list :lang=th | grep -q .; } || { \
	echo "installing Debian's chromium and CJK and Thai fonts for browser tests"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
		chromium fonts-noto-cjk fonts-thai-tlwg >/dev/null; }

# gunicorn with DEBUG off, as deployed, plus a Celery worker and beat on the embedded servers.
run: venv
	$(PY) -m migu_platform.devstack run

# The same stack with Django's reloading development server and DEBUG on, for working on the code.
dev: venv
	$(PY) -m migu_platform.devstack dev

test: venv system-deps
	$(PY) -m migu_platform.devstack test $(PYTEST_ARGS)

# Under a queue prefix of its own, so a running `make run` worker never takes the benchmark's tasks.
bench: venv
	MIGU_QUEUE_PREFIX=$${MIGU_QUEUE_PREFIX:-bench-$$$$:} $(PY) -m migu_platform.devstack exec $(PY) -m bench $(BENCH_ARGS)

# Any management command with the platform's servers: make manage ARGS="import_avails file.xml --dry-run"
manage: venv
	$(PY) -m migu_platform.devstack exec $(PY) manage.py $(ARGS)

# mypy loads the settings, which need these URLs; it never connects to them.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=postgres://localhost/migu REDIS_URL=redis://localhost:6379/0 $(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-migrations: venv
	$(PY) -m migu_platform.devstack exec $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
