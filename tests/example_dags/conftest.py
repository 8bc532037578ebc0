"""Run the example DAGs exactly as shipped: copy a DAG file (and the ``functions/`` and ``supabase/`` folders beside
it) into the test dags folder and run it with ``dag.test()`` against the emulator, with the Variables and
Connections a deployment would hold. A module shares one emulator state, so a DAG can be run, then run again."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import set_connection
from tests.dagrun import DagRunResult, run_dag_file

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
DB_PASSWORD = "db-password-for-tests"
STRIPE_SECRET_KEY = "sk_test_from_a_variable"
SMTP_PASSWORD = "smtp-password-from-a-connection"
SMTP_LOGIN = "postmaster"


@dataclass
class Examples:
    emulator: Any
    dags_folder: Path
    monkeypatch: pytest.MonkeyPatch

    def run(self, dag_id: str, run_conf: dict | None = None, run_after: datetime | None = None) -> DagRunResult:
        """Run ``example_dags/<dag_id>.py`` as a fresh copy; ``run_after`` sets the run's ``dag_run.run_after``."""
        self.copy_support_folders()
        source = (EXAMPLE_DAGS / f"{dag_id}.py").read_text()
        extra = {"run_after": run_after} if run_after is not None else {}
        return run_dag_file(self.dags_folder, source, dag_id, run_conf=run_conf, **extra)

    def copy_support_folders(self) -> None:
        """The folders the example DAGs read beside them: Edge Function sources and CLI migrations."""
        for folder in ("functions", "supabase"):
            shutil.copytree(EXAMPLE_DAGS / folder, self.dags_folder / folder, dirs_exist_ok=True)

    def set_variable(self, key: str, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value)
        self.monkeypatch.setenv(f"AIRFLOW_VAR_{key.upper()}", text)

    def mutations_since(self, count: int) -> list[tuple[str, str]]:
        """(method, path) of every request after the first ``count`` that was not a read."""
        return [
            (r.method, r.path)
            for r in self.emulator.requests[count:]
            if r.method != "GET" and not r.path.endswith("/network-bans/retrieve")
        ]


@pytest.fixture(scope="module")
def examples(airflow_db: Path, emulator_server) -> Iterator[Examples]:
    """The session's emulator, emptied for this module, and ``supabase_default``, the Variables
    ``supabase_db_password`` / ``stripe_secret_key`` and the Connection ``smtp_default`` pointing at test values."""
    emulator_server.reset()
    emulator_server.configure(
        project_ready_seconds=0.6, rate_limit=120, rate_window=60.0, hostname_rate_limit=10, retry_after_header=True
    )
    with pytest.MonkeyPatch.context() as mp:
        set_connection(mp, emulator_server.url)
        mp.setenv("AIRFLOW_VAR_SUPABASE_DB_PASSWORD", DB_PASSWORD)
        mp.setenv("AIRFLOW_VAR_STRIPE_SECRET_KEY", STRIPE_SECRET_KEY)
        mp.setenv(
            "AIRFLOW_CONN_SMTP_DEFAULT",
            json.dumps(
                {"conn_type": "smtp", "host": "smtp.example.com", "login": SMTP_LOGIN, "password": SMTP_PASSWORD}
            ),
        )
        yield Examples(emulator_server, airflow_db / "dags", mp)
