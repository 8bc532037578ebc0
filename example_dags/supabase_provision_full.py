"""Example DAG: provision a Supabase project all the way, from an empty organization to a project with its
schema, auth settings, keys, secrets, functions and custom domain, all over the Management API (HTTPS only)."""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import DAG, Param

from airflow_provider_supabase.operators.api_keys import ExportApiKeysOperator
from airflow_provider_supabase.operators.config import UpdateProjectConfigOperator
from airflow_provider_supabase.operators.custom_hostname import (
    ActivateCustomHostnameOperator,
    InitializeCustomHostnameOperator,
)
from airflow_provider_supabase.operators.database import ApplyMigrationsOperator, RunQueryOperator
from airflow_provider_supabase.operators.functions import DeployFunctionOperator
from airflow_provider_supabase.operators.organizations import CreateOrganizationOperator
from airflow_provider_supabase.operators.projects import CreateProjectOperator
from airflow_provider_supabase.operators.secrets import SyncSecretsOperator
from airflow_provider_supabase.sensors.custom_hostname import SupabaseCustomHostnameSensor
from airflow_provider_supabase.sensors.project import SupabaseProjectStatusSensor
from airflow_provider_supabase.validation import REGIONS

HERE = Path(__file__).parent
# The Supabase CLI's layout, beside this file: `supabase migration new <name>` writes there, this DAG applies it.
MIGRATIONS_DIR = HERE / "supabase" / "migrations"
# Edge Functions shipped beside this file, each a folder named after its slug.
FUNCTIONS_DIR = HERE / "functions"
FUNCTIONS = ["hello-world", "send-welcome-email"]
PROJECT_REF = "{{ ti.xcom_pull(task_ids='create_project')['ref'] }}"
DB_PASSWORD = "{{ var.value.supabase_db_password }}"
# The mail server is an Airflow Connection (`smtp_default`): its password is read at run time and masked.
SMTP_CONN = "conn.smtp_default"

# Config as code: the settings the project must have, reviewed like any other change. Only the ones that differ
# from the live project are sent; `smtp_pass` is compared by digest, so an unchanged password is not resent.
AUTH_CONFIG = {
    "site_url": "{{ params.site_url }}",
    "uri_allow_list": "{{ params.site_url }}/**",
    "disable_signup": False,
    "external_email_enabled": True,
    "mailer_autoconfirm": False,
    "smtp_admin_email": "no-reply@example.com",
    "smtp_sender_name": "{{ params.project_name }}",
    "smtp_host": f"{{{{ {SMTP_CONN}.host }}}}",
    "smtp_port": f"{{{{ {SMTP_CONN}.port or 587 }}}}",
    "smtp_user": f"{{{{ {SMTP_CONN}.login or '' }}}}",
    "smtp_pass": f"{{{{ {SMTP_CONN}.password }}}}",
}
POSTGREST_CONFIG = {"db_schema": "public,graphql_public", "max_rows": 1000}
SECRETS = {
    "SITE_URL": "{{ params.site_url }}",
    "STRIPE_SECRET_KEY": "{{ var.value.stripe_secret_key }}",
    "SMTP_PASSWORD": f"{{{{ {SMTP_CONN}.password }}}}",
}
# What the migrations built, read back through the read-only endpoint: the tables of `public` and their columns.
# pg_catalog, not information_schema: the latter hides columns the reading role holds no privilege on.
TABLES_QUERY = """\
select c.relname as table_name,
       string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum) as columns
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where n.nspname = 'public' and c.relkind in ('r', 'p')
group by c.relname
order by c.relname"""
PROJECT_CHECK_SECONDS = 5.0
# The API allows 10 custom-hostname reverify calls a minute per project: one every 6 s is the fastest.
HOSTNAME_CHECK_SECONDS = 6.0
HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"

with DAG(
    dag_id="supabase_provision_full",
    description="Project, migrations, auth config, API keys, secrets, Edge Functions and custom domain",
    schedule=None,
    catchup=False,
    tags=["supabase", "example"],
    params={
        "organization_name": Param(
            "Acme Corp", type="string", minLength=1, description="Created, or adopted if one has this name."
        ),
        "project_name": Param(
            "acme-app",
            type="string",
            minLength=1,
            maxLength=64,
            description="Created, or adopted if the organization already has a project with this name.",
        ),
        "region": Param("us-east-1", type="string", enum=sorted(REGIONS)),
        "site_url": Param(
            "https://app.example.com",
            type="string",
            pattern=r"^https://[^,/]+$",
            description="The app's URL: where Auth sends users back after sign-in and email links.",
        ),
        "custom_hostname": Param(
            "api.example.com",
            type="string",
            pattern=HOSTNAME_PATTERN,
            description="The API's domain; the log of initialize_custom_hostname lists the DNS records.",
        ),
    },
    doc_md="""
### Provision a Supabase project all the way

What `supabase_provision_project` does, and then what teams otherwise do by hand or with the Supabase CLI,
through the Management API only (HTTPS: no direct Postgres connection, so it works from IPv4-only hosts).
Every step compares before it writes, so a re-run changes nothing that is already right:

1. **create_organization** -> **create_project** -> **wait_for_project**: adopted if they exist; the wait is
   deferred to the triggerer until the project is `ACTIVE_HEALTHY`.
2. **apply_migrations**: the pending files of `supabase/migrations/` beside this file (the CLI's layout), each
   in one transaction with its row in the CLI's ledger, so `supabase migration list` agrees. A failing file
   changes nothing; an applied file edited since fails the task before anything runs.
3. **read_back_tables**: the tables of `public` and their columns, read through the read-only endpoint (XCom).
4. **configure_project**: config as code, `AUTH_CONFIG` and `POSTGREST_CONFIG` in this file: site URL,
   redirect URLs, email sign-up, and the mail server of the Connection `smtp_default` (its password masked).
   Only differing settings are sent; the diff is logged with secrets hidden.
5. **export_api_keys**: publishable keys to XCom for the apps; secret keys only into the Variables
   `supabase_<ref>_<name>`, masked.
6. **sync_secrets** -> **deploy_functions**: the Edge Functions' secrets (`SITE_URL`, `STRIPE_SECRET_KEY`,
   `SMTP_PASSWORD`), then the functions of `FUNCTIONS` from `functions/` beside this file.
7. **initialize_custom_hostname** -> **wait_for_custom_hostname** -> **activate_custom_hostname**: the API on
   `custom_hostname` once its DNS records (printed by the first task) check out.

**Needs**: the connections `supabase_default` (type `supabase`, a personal access token as password) and
`smtp_default` (host, port, login, password of the mail server), the Variables `supabase_db_password` and
`stripe_secret_key`, and a running triggerer for the two waits.
""",
) as dag:
    create_organization = CreateOrganizationOperator(
        task_id="create_organization", name="{{ params.organization_name }}"
    )

    create_project = CreateProjectOperator(
        task_id="create_project",
        name="{{ params.project_name }}",
        organization_slug="{{ ti.xcom_pull(task_ids='create_organization')['slug'] }}",
        db_pass=DB_PASSWORD,
        region="{{ params.region }}",
        plan="pro",  # custom domains need a paid plan
        wait_for_healthy=False,
    )

    wait_for_project = SupabaseProjectStatusSensor(
        task_id="wait_for_project",
        project_ref=PROJECT_REF,
        target_status="ACTIVE_HEALTHY",
        poke_interval=PROJECT_CHECK_SECONDS,
        timeout=30 * 60,
        deferrable=True,
    )

    apply_migrations = ApplyMigrationsOperator(
        task_id="apply_migrations", project_ref=PROJECT_REF, migrations_dir=str(MIGRATIONS_DIR)
    )

    read_back_tables = RunQueryOperator(
        task_id="read_back_tables", project_ref=PROJECT_REF, sql=TABLES_QUERY, read_only=True
    )

    configure_project = UpdateProjectConfigOperator(
        task_id="configure_project", project_ref=PROJECT_REF, auth=AUTH_CONFIG, postgrest=POSTGREST_CONFIG
    )

    export_api_keys = ExportApiKeysOperator(task_id="export_api_keys", project_ref=PROJECT_REF)

    sync_secrets = SyncSecretsOperator(task_id="sync_secrets", project_ref=PROJECT_REF, secrets=SECRETS)

    deploy_functions = DeployFunctionOperator.partial(
        task_id="deploy_functions", project_ref=PROJECT_REF, verify_jwt=True, map_index_template="{{ task.slug }}"
    ).expand_kwargs([{"slug": slug, "source_dir": str(FUNCTIONS_DIR / slug)} for slug in FUNCTIONS])

    initialize_custom_hostname = InitializeCustomHostnameOperator(
        task_id="initialize_custom_hostname", project_ref=PROJECT_REF, custom_hostname="{{ params.custom_hostname }}"
    )

    wait_for_custom_hostname = SupabaseCustomHostnameSensor(
        task_id="wait_for_custom_hostname",
        project_ref=PROJECT_REF,
        target_status="4_origin_setup_completed",
        reverify=True,
        reverify_interval=HOSTNAME_CHECK_SECONDS,
        poke_interval=HOSTNAME_CHECK_SECONDS,
        timeout=60 * 60 * 24,
        deferrable=True,
    )

    activate_custom_hostname = ActivateCustomHostnameOperator(
        task_id="activate_custom_hostname", project_ref=PROJECT_REF
    )

    create_organization >> create_project >> wait_for_project
    wait_for_project >> apply_migrations >> read_back_tables
    # Auth's emails link to the site URL; the apps get their keys once the schema they read exists.
    apply_migrations >> [configure_project, export_api_keys]
    wait_for_project >> sync_secrets >> deploy_functions
    wait_for_project >> initialize_custom_hostname >> wait_for_custom_hostname >> activate_custom_hostname
