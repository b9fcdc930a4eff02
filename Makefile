# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
SERVICES := $(PY) -m config.devservices

.PHONY: run test install chromium lint bench migrate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium (Playwright's own download does not work here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium > /dev/null; \
	fi

run: install
	$(SERVICES) serve

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-logo --no-cache

test: install chromium lint
	$(SERVICES) run -- $(PY) -m pytest $(PYTEST_ARGS)

migrate: install
	$(SERVICES) run -- $(PY) manage.py migrate

bench: install
	$(SERVICES) run -- $(PY) -m bench $(BENCH) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .local
