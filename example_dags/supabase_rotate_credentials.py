"""Example DAG: rotate a project's credentials weekly: its secret API key, one step of its JWT signing-key cycle,
and once a month its database password, with nothing locked out."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_supabase.operators.rotation import (
    FunctionSecretsSink,
    RotateApiKeyOperator,
    RotateDatabasePasswordOperator,
    RotateSigningKeyOperator,
    VariableSink,
)

# The project ref, rendered on the worker (never looked up at parse time).
PROJECT = "{{ var.value.supabase_credentials_project }}"
# The backend's secret API key: in the functions' secrets and in a Variable for other DAGs.
KEY_PREFIX = "airflow_backend"
KEY_SECRET = "BACKEND_SECRET_KEY"
KEY_VARIABLE = "supabase_backend_secret_key"
# The database password, in the Variable the provisioning example reads.
PASSWORD_VARIABLE = "supabase_db_password"

with DAG(
    dag_id="supabase_rotate_credentials",
    description="Weekly: rotate the secret API key, step the JWT signing keys, monthly the database password",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=1)},
    params={
        "database_password": Param(
            "monthly",
            enum=["monthly", "now", "skip"],
            description="monthly: only in a run of the first week of the month; now: this run; skip: not at all",
        )
    },
    tags=["supabase", "example"],
    doc_md=f"""
### Rotate Supabase credentials

Every week, for the project whose ref is in the Variable `supabase_credentials_project`:

1. **API key.** A new secret key `{KEY_PREFIX}_<YYYYMMDDHHMM>` goes to the Edge Function secret `{KEY_SECRET}`
   and the Variable `{KEY_VARIABLE}`; the key it replaced is deleted two days later (the grace period of its
   clients). A run less than six days after the last rotation keeps the key instead.
2. **JWT signing keys.** One step of the cycle per run: import the legacy JWT secret, publish a standby key,
   promote it a week later, revoke the retired key a week after that, delete revoked keys after 30 days. The
   legacy secret is never revoked (that would break the legacy `anon` and `service_role` keys).
3. **Database password**, in the first week of each month (or now: trigger with `{{"database_password": "now"}}`):
   a random 32-character password goes to the Variable `{PASSWORD_VARIABLE}` as pending, then the database
   changes, then it becomes current. A task that dies half-way is retried into the same password.

Every step decides from what the API lists, so retries and extra runs never rotate twice, and no key in use is
ever deleted. No value reaches XCom or a log line.

**Setup**
```
airflow variables set supabase_credentials_project <project ref>
```
""",
) as dag:
    rotate_api_key = RotateApiKeyOperator(
        task_id="rotate_api_key",
        project_ref=PROJECT,
        name_prefix=KEY_PREFIX,
        grace_period=timedelta(days=2),
        min_interval=timedelta(days=6),
        sinks=[FunctionSecretsSink(KEY_SECRET, [PROJECT]), VariableSink(KEY_VARIABLE)],
    )

    signing_key_step = RotateSigningKeyOperator(
        task_id="signing_key_step",
        project_ref=PROJECT,
        algorithm="ES256",
        standby_period=timedelta(days=6),
        revoke_after=timedelta(days=6),
        delete_after=timedelta(days=30),
    )

    @task.short_circuit
    def password_due(params: dict, dag_run=None) -> bool:
        """Monthly on a weekly schedule: the run of the first week of the month rotates the password."""
        mode = params["database_password"]
        return mode == "now" or (mode == "monthly" and dag_run.run_after.day <= 7)

    rotate_database_password = RotateDatabasePasswordOperator(
        task_id="rotate_database_password",
        project_ref=PROJECT,
        sinks=[VariableSink(PASSWORD_VARIABLE, description="Supabase database password (rotated monthly)")],
        length=32,
    )

    password_due() >> rotate_database_password
