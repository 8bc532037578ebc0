"""Shared fixtures: one Airflow home on SQLite per test session, one emulator per session (reset for
every test), and a runner that executes a DAG file with ``dag.test()`` and reads back what happened."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

# Airflow reads its configuration on first import: point it at a scratch home before anything imports it.
_HOME = Path(tempfile.mkdtemp(prefix="supabase-provider-tests-"))
(_HOME / "dags").mkdir()
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(_HOME / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["AIRFLOW__CORE__TEST_CONNECTION"] = "Enabled"
os.environ.pop("AIRFLOW_CONN_SUPABASE_DEFAULT", None)

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Model-based tests (Hypothesis) run derandomized with a bounded number of examples in `make test`, so a run is
# repeatable and inside the CI budget; HYPOTHESIS_PROFILE=long (make test-long) explores many more steps.
settings.register_profile(
    "ci", derandomize=True, max_examples=25, stateful_step_count=20, deadline=None, print_blob=True
)
settings.register_profile("long", max_examples=400, stateful_step_count=40, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from airflow_provider_supabase.emulator import Emulator  # noqa: E402

TOKEN = "sbp_" + "0123456789abcdef" * 2 + "01234567"


@pytest.fixture(autouse=True)
def fresh_process_state():
    """Each test starts with no rate-limit window and no reverify remembered from an earlier test: both are
    process-wide on purpose (many hooks share them in a worker or a triggerer)."""
    from airflow_provider_supabase.hooks.ratelimit import RATE_LIMIT_GATE
    from airflow_provider_supabase.waits.checks import REVERIFY_THROTTLE

    RATE_LIMIT_GATE.reset()
    REVERIFY_THROTTLE.reset()
    yield


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Create the metadata database once; DAG-run tests depend on it."""
    from airflow.utils import db

    db.initdb()
    return _HOME


@pytest.fixture(scope="session")
def emulator_server():
    emu = Emulator(project_ready_seconds=0.6)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(emulator_server, monkeypatch):
    """The session's emulator, emptied, with ``supabase_default`` pointing at it (fast retries)."""
    emulator_server.reset()
    emulator_server.configure(
        project_ready_seconds=0.6,
        rate_limit=120,
        rate_window=60.0,
        hostname_rate_limit=10,
        retry_after_header=True,
    )
    set_connection(monkeypatch, emulator_server.url)
    return emulator_server


def set_connection(monkeypatch, url: str, conn_id: str = "supabase_default", token: str = TOKEN, **extra):
    extra.setdefault("retry_max_wait", 0.05)
    # Tests that inject endless 429s expect them to stop after max_retries like other failures.
    extra.setdefault("rate_limit_max_wait", 0)
    extra.setdefault("timeout", 5)
    conn = {"conn_type": "supabase", "password": token, "host": url, "extra": extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


@pytest.fixture
def hook(emulator):
    from airflow_provider_supabase.hooks.supabase import SupabaseHook

    h = SupabaseHook()
    yield h
    h.close()


@pytest.fixture
def org(emulator):
    return emulator.seed_organization("Acme")


@pytest.fixture
def project(emulator, org):
    return emulator.seed_project("acme-prod", org["slug"])


@pytest.fixture
def run_dag(airflow_db, capfd):
    """Write a DAG file into the dags folder, run it with ``dag.test()``, return a ``DagRunResult``."""
    from tests.dagrun import run_dag_file

    def runner(source: str, dag_id: str, **kwargs):
        return run_dag_file(airflow_db / "dags", source, dag_id, capfd=capfd, **kwargs)

    return runner
