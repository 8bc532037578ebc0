# Every target builds or refreshes its own environment first, so a fresh machine needs nothing else.
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := python3 -m uv
STAMP  := $(VENV)/.installed

.PHONY: env demo test lint typecheck unit test-compat bench clean

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

# Compatibility lanes: the hook, operator, sensor and trigger suites on each older Airflow minor we support (the
# whole suite runs on 3.3.2 above). Each lane resolves its dependencies as of the midnight after its release (uv's
# --exclude-newer, standing in for Airflow's constraint files): libraries released later break the old minors,
# e.g. a newer FastAPI makes 3.0.6's in-process execution API refuse every task start with a 422.
# --compile-bytecode: without it a lane whose interpreter may not write .pyc files recompiles Airflow in every run.
COMPAT_VERSIONS := 3.0.6 3.1.8 3.2.2
COMPAT_CUTOFF_3.0.6 := 2025-08-30
COMPAT_CUTOFF_3.1.8 := 2026-03-12
COMPAT_CUTOFF_3.2.2 := 2026-05-30
COMPAT_TESTS := tests/hooks tests/operators tests/sensors tests/triggers tests/test_provider.py

test-compat: $(addprefix test-compat-,$(COMPAT_VERSIONS))

test-compat-%:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) venv --quiet --allow-existing .venv-af$*
	$(UV) pip install --quiet --compile-bytecode --python .venv-af$*/bin/python \
		--exclude-newer $(COMPAT_CUTOFF_$*)T00:00:00Z -e ".[test]" "apache-airflow==$*"
	@echo "== Airflow $* =="
	.venv-af$*/bin/python -m pytest -q -p no:cacheprovider $(COMPAT_TESTS) $(PYTEST_ARGS)

# Benchmarks get their own environment: the HTTP and dbt Cloud providers they compare against must not leak
# into the test environment.
BENCH_VENV ?= .venv-bench

bench:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) venv --quiet --allow-existing $(BENCH_VENV)
	$(UV) pip install --quiet --python $(BENCH_VENV)/bin/python -e ".[dev]" -r bench/requirements.txt
	$(BENCH_VENV)/bin/python -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(addprefix .venv-af,$(COMPAT_VERSIONS)) .mypy_cache .ruff_cache
