"""What the example DAGs need from an Airflow deployment, pointed at the emulator: shared by `make demo`
(`airflow dags test`) and the live test (`airflow standalone`), so both run the DAGs against the same set-up.

Each DAG's ``doc_md`` lists what it needs; this module is the one place that provides it.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from pathlib import Path
from typing import Any

PROVISION_DAG = "supabase_provision_project"
FULL_PROVISION_DAG = "supabase_provision_full"
ROTATION_DAG = "supabase_rotate_secrets"
DEPLOY_DAG = "supabase_deploy_functions"
# Mirrors supabase_rotate_secrets.POOL / POOL_SLOTS: the scheduler will not start tasks whose pool is missing.
POOL, POOL_SLOTS = "supabase_api", 4
ROTATION_PROJECTS_VARIABLE = "supabase_rotation_projects"


def scratch_airflow_env(home: Path, dags_folder: Path) -> dict[str, str]:
    """The caller's environment with Airflow on a scratch home and SQLite database, and none of the caller's
    own Connections or Variables (they would shadow the ones the run sets)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        PYTHONWARNINGS="ignore",
    )
    return env


def deployment_env(emulator_url: str) -> dict[str, str]:
    """The Connections and Variables the example DAGs read at run time, as a deployment's secrets backend
    would hold them; ``supabase_default`` points at the emulator."""
    return {
        "AIRFLOW_CONN_SUPABASE_DEFAULT": json.dumps(
            {"conn_type": "supabase", "host": emulator_url, "password": "sbp_" + secrets.token_hex(20)}
        ),
        "AIRFLOW_VAR_SUPABASE_DB_PASSWORD": secrets.token_urlsafe(24),
        "AIRFLOW_VAR_STRIPE_SECRET_KEY": "sk_test_" + secrets.token_hex(16),
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(
            {"conn_type": "smtp", "host": "smtp.example.com", "login": "postmaster", "password": secrets.token_hex(16)}
        ),
    }


def run_result(db_path: Path, dag_id: str, run_id: str | None = None) -> tuple[dict[str, str], Any]:
    """Task states of a run (the DAG's latest if ``run_id`` is None) and its ``report`` XCom (if any), read from
    the SQLite metadata database. Mapped tasks are named ``task[index]``."""
    with sqlite3.connect(db_path, timeout=30) as db:
        if run_id is None:
            run_id = _latest_run(db, dag_id)
        rows = db.execute(
            "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (dag_id, run_id),
        ).fetchall()
        report = _return_value(db, dag_id, run_id, "report")
    states = {task if index < 0 else f"{task}[{index}]": str(state) for task, index, state in rows}
    return states, report


def task_result(db_path: Path, dag_id: str, task_id: str) -> Any:
    """What a task of the DAG's latest run returned (its ``return_value`` XCom), or None."""
    with sqlite3.connect(db_path, timeout=30) as db:
        return _return_value(db, dag_id, _latest_run(db, dag_id), task_id)


def _latest_run(db: sqlite3.Connection, dag_id: str) -> str:
    (run_id,) = db.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)).fetchone()
    return str(run_id)


def _return_value(db: sqlite3.Connection, dag_id: str, run_id: str, task_id: str) -> Any:
    row = db.execute(
        "SELECT value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND map_index = -1"
        " AND key = 'return_value'",
        (dag_id, run_id, task_id),
    ).fetchone()
    return json.loads(row[0]) if row else None
