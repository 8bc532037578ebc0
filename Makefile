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

bench: env
	$(UV) pip install --quiet --python $(PY) -r bench/requirements.txt
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
