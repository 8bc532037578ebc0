"""Example DAG: rotate the Edge Function secrets of every project in a list, daily, under a pool."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Variable, task

from airflow_provider_supabase.operators.secrets import SyncSecretsOperator

# JSON list of project refs to rotate, e.g. ["abcdefghijklmnopqrst"].
PROJECTS_VARIABLE = "supabase_rotation_projects"
# Root of every generated key. Created on the first run if it does not exist.
ROOT_KEY_VARIABLE = "supabase_rotation_root_key"
# Every Management API call of this DAG runs in this pool; create it once (see doc_md).
POOL = "supabase_api"
POOL_SLOTS = 4

# Keys only the project's own functions use, so they can change every day without telling anyone.
ROTATING_KEYS = ("INTERNAL_API_KEY", "CRON_SECRET")
# Managed elsewhere (set at provisioning or by hand): prune must never delete them.
KEEP = ("SITE_URL", "OPENAI_API_KEY")


def rotating_key(name: str, project_ref: str, run_after: pendulum.DateTime) -> str:
    """The value of a rotating key for this project and day.

    A Variable ``supabase_secret_<name>`` pins a value by hand. Otherwise the key is
    HMAC-SHA256(root key, "<ref>/<name>/<YYYY-MM-DD>"): different per project and per day, and the same for
    every retry or re-run of the day, so re-running the DAG changes nothing.
    """
    import hashlib
    import hmac

    from airflow.sdk.log import mask_secret

    pinned = Variable.get(f"supabase_secret_{name.lower()}", default=None)
    if pinned:
        return pinned
    root = Variable.get(ROOT_KEY_VARIABLE)
    mask_secret(root)  # its name does not look secret to Airflow, so it would not be masked on its own
    message = f"{project_ref}/{name}/{run_after:%Y-%m-%d}".encode()
    return hmac.new(root.encode(), message, hashlib.sha256).hexdigest()


# Rendered on the worker, per project, just before the sync: never at parse time. The operator masks every
# value as soon as it is rendered, and its XCom holds names only.
DESIRED_SECRETS = {
    "STRIPE_SECRET_KEY": "{{ var.value.stripe_secret_key }}",
    "SMTP_PASSWORD": "{{ conn.smtp_default.password }}",
    **{name: f"{{{{ rotating_key('{name}', task.project_ref, dag_run.run_after) }}}}" for name in ROTATING_KEYS},
}

with DAG(
    dag_id="supabase_rotate_secrets",
    description="Daily: sync every listed project's secrets, rotating the generated keys",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    user_defined_macros={"rotating_key": rotating_key},
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=1)},
    tags=["supabase", "example"],
    doc_md=f"""
### Rotate Supabase secrets

Every day, for every project ref in the Airflow Variable `{PROJECTS_VARIABLE}` (a JSON list), one mapped
task makes the project's Edge Function secrets exactly:

| secret | value from |
|---|---|
| `STRIPE_SECRET_KEY` | Variable `stripe_secret_key` |
| `SMTP_PASSWORD` | password of the Connection `smtp_default` |
| {", ".join(f"`{k}`" for k in ROTATING_KEYS)} | Variable `supabase_secret_<name>` if set, otherwise generated |

Generated keys are HMAC-SHA256 of the Variable `{ROOT_KEY_VARIABLE}` (32 random bytes, created on the first
run if missing) over the project ref, the key name and the run's day: each project gets its own keys, they
change every day, and a retry or a second run on the same day reproduces them, so it changes nothing.

The sync prunes every other secret except {", ".join(f"`{k}`" for k in KEEP)} and Supabase's own `SUPABASE_*`.
Unchanged secrets cost one list call per project and nothing else. The last task logs what changed.

**Setup**
```
airflow variables set {PROJECTS_VARIABLE} '["<project ref>"]'
airflow variables set stripe_secret_key sk_live_...
airflow connections add smtp_default --conn-type smtp --conn-password '...'
airflow pools set {POOL} {POOL_SLOTS} "Supabase Management API calls"
```
The pool keeps all workers together under the Management API rate limit however many projects there are.
The scheduler does not start tasks whose pool does not exist, so create it first (`airflow dags test`
ignores pools).
""",
) as dag:

    @task
    def projects_to_rotate() -> list[str]:
        """Read the project list at run time (never at parse time)."""
        refs = Variable.get(PROJECTS_VARIABLE, deserialize_json=True)
        if not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
            raise ValueError(f"Variable {PROJECTS_VARIABLE} must be a JSON list of project refs, got {refs!r}")
        return list(dict.fromkeys(refs))

    @task
    def ensure_root_key() -> str:
        """Generate the root key once. A single task does it, so parallel syncs never race to create it."""
        import secrets

        from airflow.sdk.log import mask_secret

        if Variable.get(ROOT_KEY_VARIABLE, default=None):
            return "existing"
        root = secrets.token_hex(32)
        mask_secret(root)
        Variable.set(
            ROOT_KEY_VARIABLE,
            root,
            description="Root of the keys supabase_rotate_secrets generates. Changing it rotates them all.",
        )
        return "generated"

    refs = projects_to_rotate()

    sync = SyncSecretsOperator.partial(
        task_id="sync_secrets",
        secrets=DESIRED_SECRETS,
        prune=True,
        keep=KEEP,
        pool=POOL,
        map_index_template="{{ task.project_ref }}",
    ).expand(project_ref=refs)

    @task
    def report(refs: list[str], results: list[dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        """One line per project; returns the changed secret names (never values) per project."""
        changes: dict[str, dict[str, list[str]]] = {}
        # By index: iterating the lazy mapped results asks for one item past the end, which Airflow logs as an error.
        for ref, result in zip(refs, [results[i] for i in range(len(results))], strict=True):
            changed = {action: result[action] for action in ("created", "updated", "deleted") if result[action]}
            changes[ref] = changed
            described = "; ".join(f"{action}: {', '.join(names)}" for action, names in changed.items())
            print(f"{ref}: {described or 'nothing changed'} ({len(result['unchanged'])} unchanged)")
        return changes

    ensure_root_key() >> sync
    report(refs, sync.output)
