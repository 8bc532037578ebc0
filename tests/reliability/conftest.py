"""Fixtures of the reliability suite: the emulator with instant projects, reached with a token of each test's own."""

from __future__ import annotations

import re
import secrets
import textwrap

import pytest

from tests.conftest import set_connection


@pytest.fixture
def token() -> str:
    """A fresh access token per test: the hook's process-wide rate-limit gate is keyed by token, so a 429 one
    test provokes never delays the requests of another."""
    return "sbp_" + secrets.token_hex(20)


@pytest.fixture
def api(emulator, monkeypatch, token):
    """The emulator, emptied, projects ready at once (so two runs of a call see the same status), and
    ``supabase_default`` pointing at it with fast retries."""
    emulator.configure(project_ready_seconds=0)
    set_connection(monkeypatch, emulator.url, token=token)
    return emulator


@pytest.fixture
def connect(api, monkeypatch, token):
    """Re-point ``supabase_default`` at the emulator with other connection extras (timeout, max_retries, ...)."""

    def reconnect(**extra):
        set_connection(monkeypatch, api.url, token=token, **extra)

    return reconnect


_DAG_FILE = """\
from datetime import datetime, timedelta

from airflow.sdk import DAG

{imports}

with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
{tasks}
"""


@pytest.fixture
def run_tasks(run_dag, request):
    """Run operator lines (written at column 0) in a DAG named after the test with ``dag.test()``; returns the
    ``DagRunResult``."""

    def runner(tasks: str, *, imports: str = "", run_conf: dict | None = None):
        dag_id = "reliability_" + re.sub(r"\W+", "_", request.node.name).strip("_")[:180]
        source = _DAG_FILE.format(
            imports=textwrap.dedent(imports).strip(),
            dag_id=dag_id,
            tasks=textwrap.indent(textwrap.dedent(tasks).strip(), "    "),
        )
        return run_dag(source, dag_id, run_conf=run_conf)

    return runner
