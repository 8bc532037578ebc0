# Every target builds or refreshes its own environment first, so a fresh machine needs nothing else.
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := python3 -m uv
STAMP  := $(VENV)/.installed

.PHONY: env demo test lint typecheck unit bench clean

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
