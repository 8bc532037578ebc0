"""Example DAG: test migrations on a throwaway Supabase preview branch per run, and always delete it after."""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import DAG, Param

from airflow_provider_supabase.operators.branches import CreateBranchOperator, DeleteBranchOperator
from airflow_provider_supabase.operators.database import ApplyMigrationsOperator, RunQueryOperator
from airflow_provider_supabase.sensors.branch import SupabaseBranchSensor

# The Supabase CLI migrations shipped beside this file; resolved on the worker that parses it.
MIGRATIONS_DIR = Path(__file__).parent / "supabase" / "migrations"
PARENT_REF = "{{ params.project_ref }}"
# One branch per run, named after it: a run id's ':' and '+' are not allowed in a branch name.
BRANCH_NAME = "ci-{{ run_id | lower | replace(':', '-') | replace('+', '-') }}"
# The branch's own project, where its SQL runs.
BRANCH_REF = "{{ ti.xcom_pull(task_ids='wait_for_branch')['project_ref'] }}"
# How often the deferred wait asks whether the branch is ready yet.
BRANCH_CHECK_SECONDS = 10.0
# Fails the task (and so the run) when the migrations did not leave the schema the app expects.
CHECK_SQL = """
do $$
begin
    if not exists (
        select 1 from information_schema.columns
        where table_schema = 'public' and table_name = 'profiles' and column_name = 'avatar_url'
    ) then
        raise exception 'schema check failed: public.profiles.avatar_url is missing';
    end if;
end
$$;
select count(*) as profiles from public.profiles;
"""

with DAG(
    dag_id="supabase_preview_branch",
    description="Create a preview branch, wait until it is really ready, migrate and check it, delete it",
    schedule=None,
    catchup=False,
    tags=["supabase", "example"],
    params={
        "project_ref": Param(
            "abcdefghijklmnopqrst",
            type="string",
            pattern="^[a-z]{20}$",
            description="The parent project's ref (20 lowercase letters); the branch is made from it.",
        ),
    },
    doc_md="""
### Preview branch for CI

Each run tests the migrations in `supabase/migrations/` beside this file on a branch of its own:

1. **create_branch**: a preview branch of `project_ref` named after the run (a retry adopts it).
2. **wait_for_branch**: a deferrable wait, in the triggerer, until the branch is really ready: its project
   `ACTIVE_HEALTHY`, every step of its action run (clone, pull, health, configure, migrate, seed, deploy)
   `EXITED`, its health check passing. A step that ends `DEAD` fails the run with that step's log.
3. **apply_migrations**: the migration files, applied in order to the branch's database.
4. **check_schema**: SQL that fails when the migrated schema is not what the app expects.
5. **delete_branch**: a teardown: it runs whenever the branch was created, even when a wait, a migration or
   the check failed, so no run leaves a branch behind (nor its bill).

**Needs**: a connection `supabase_default` (type `supabase`, a personal access token as password), a project
whose plan allows branching, and a running triggerer for the wait.
""",
) as dag:
    create_branch = CreateBranchOperator(
        task_id="create_branch",
        project_ref=PARENT_REF,
        branch_name=BRANCH_NAME,
        # The wait is its own task so the teardown still runs when the branch fails to come up.
        wait_until_ready=False,
    )

    wait_for_branch = SupabaseBranchSensor(
        task_id="wait_for_branch",
        project_ref=PARENT_REF,
        branch_name=BRANCH_NAME,
        poke_interval=BRANCH_CHECK_SECONDS,
        timeout=30 * 60,
        deferrable=True,
    )

    apply_migrations = ApplyMigrationsOperator(
        task_id="apply_migrations", project_ref=BRANCH_REF, migrations_dir=str(MIGRATIONS_DIR)
    )

    check_schema = RunQueryOperator(task_id="check_schema", project_ref=BRANCH_REF, sql=CHECK_SQL)

    delete_branch = DeleteBranchOperator(
        task_id="delete_branch", project_ref=PARENT_REF, branch_name=BRANCH_NAME
    ).as_teardown(setups=create_branch)

    create_branch >> wait_for_branch >> apply_migrations >> check_schema >> delete_branch
