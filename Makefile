# Every target builds or refreshes its own environment first, so a fresh machine needs nothing else.
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := python3 -m uv
STAMP  := $(VENV)/.installed

.PHONY: env demo test test-live lint typecheck unit bench clean ui-deps test-ui

env: $(STAMP)

$(STAMP): pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) venv --quiet --allow-existing $(VENV)
	$(UV) pip install --quiet --python $(PY) -e ".[dev]"
	@touch $(STAMP)

demo: env
	$(PY) scripts/demo.py

lint: env
	$(VENV)/bin/ruff check airflow_provider_supabase tests example_dags bench scripts
	$(VENV)/bin/ruff format --check airflow_provider_supabase tests example_dags bench scripts

typecheck: env
	$(VENV)/bin/mypy

unit: env
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

test: lint typecheck unit

# The example DAGs under a real scheduler, triggerer and LocalExecutor (`airflow standalone`): minutes, not seconds.
test-live: env
	$(PY) -m pytest -q -p no:cacheprovider -m live -s tests/live $(PYTEST_ARGS)

# The browser check of the connection form drives Debian's Chromium with Playwright's Python driver; Playwright's
# own browser download is never used. apt-get update runs only when Chromium is missing, so a warm machine pays
# nothing.
UI_STAMP := $(VENV)/.installed-ui
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

ui-deps: $(UI_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }

$(UI_STAMP): $(STAMP)
	$(UV) pip install --quiet --python $(PY) -e ".[dev,ui]"
	@touch $(UI_STAMP)

test-ui: ui-deps
	$(PY) -m pytest -q -p no:cacheprovider -m ui tests/ui $(PYTEST_ARGS)

# Benchmarks get their own environment: the HTTP and dbt Cloud providers they compare against must not leak
# into the test environment.
BENCH_VENV ?= .venv-bench

bench:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) venv --quiet --allow-existing $(BENCH_VENV)
	$(UV) pip install --quiet --python $(BENCH_VENV)/bin/python -e ".[dev]" -r bench/requirements.txt
	$(BENCH_VENV)/bin/python -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
