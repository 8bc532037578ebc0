"""Example DAG: provision a Supabase project end to end, from the organization to an active custom domain."""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import DAG, Param

from airflow_provider_supabase.operators.custom_hostname import (
    ActivateCustomHostnameOperator,
    InitializeCustomHostnameOperator,
)
from airflow_provider_supabase.operators.functions import DeployFunctionOperator
from airflow_provider_supabase.operators.network import ApplyNetworkRestrictionsOperator
from airflow_provider_supabase.operators.organizations import CreateOrganizationOperator
from airflow_provider_supabase.operators.projects import CreateProjectOperator
from airflow_provider_supabase.operators.secrets import SyncSecretsOperator
from airflow_provider_supabase.operators.types import GenerateTypeScriptTypesOperator
from airflow_provider_supabase.sensors.custom_hostname import SupabaseCustomHostnameSensor
from airflow_provider_supabase.sensors.project import SupabaseProjectStatusSensor
from airflow_provider_supabase.validation import REGIONS

# The Edge Function shipped beside this file; resolved on the worker that parses it, so it follows the DAG.
FUNCTION_DIR = Path(__file__).parent / "functions" / "hello-world"
PROJECT_REF = "{{ ti.xcom_pull(task_ids='create_project')['ref'] }}"
# Read at run time from Airflow's Variables (or a secrets backend); masked from the moment it is rendered.
DB_PASSWORD = "{{ var.value.supabase_db_password }}"
INITIAL_SECRETS = {
    "SITE_URL": "https://{{ params.custom_hostname }}",
    "STRIPE_SECRET_KEY": "{{ var.value.stripe_secret_key }}",
}
# How often the deferred wait asks whether the new project is healthy yet.
PROJECT_CHECK_SECONDS = 5.0
# The API allows 10 custom-hostname reverify calls a minute per project: one every 6 s is the fastest.
HOSTNAME_CHECK_SECONDS = 6.0
HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
# Who may reach Postgres: your VPC or office. Kept in code (not a Param) so changes go through review.
DB_ALLOWED_CIDRS = ["203.0.113.0/24"]
DB_ALLOWED_CIDRS_V6: list[str] = []  # none

with DAG(
    dag_id="supabase_provision_project",
    description="Organization, project, network, secrets, Edge Function, types and custom domain",
    schedule=None,
    catchup=False,
    tags=["supabase", "example"],
    params={
        "organization_name": Param(
            "Acme Corp", type="string", minLength=1, description="Created, or adopted if one has this name."
        ),
        "project_name": Param(
            "acme-prod",
            type="string",
            minLength=1,
            maxLength=64,
            description="Created, or adopted if the organization already has a project with this name.",
        ),
        "region": Param("us-east-1", type="string", enum=sorted(REGIONS)),
        "plan": Param("pro", type="string", enum=["free", "pro"], description="Custom domains need a paid plan."),
        "custom_hostname": Param(
            "api.example.com",
            type="string",
            pattern=HOSTNAME_PATTERN,
            description="A domain you control; the log of initialize_custom_hostname lists the DNS records.",
        ),
        "types_output_path": Param(
            "/tmp/database.types.ts",
            type="string",
            minLength=1,
            description="Where the TypeScript types are written on the worker; the directory must exist.",
        ),
    },
    doc_md="""
### Provision a Supabase project

Run it once per environment. Every step looks before it acts, so a re-run or a retry adopts what exists
instead of creating a second one:

1. **create_organization**: the organization named `organization_name` (adopted if it exists).
2. **create_project** -> **wait_for_project**: the project `project_name` in `region` (adopted if the
   organization has one of that name), then a deferrable wait until it is `ACTIVE_HEALTHY`: it runs in the
   triggerer and holds no worker slot.
3. **apply_network_restrictions**: only `DB_ALLOWED_CIDRS` (IPv4) and `DB_ALLOWED_CIDRS_V6` (edit them in
   this file) may reach Postgres; sends nothing when they already apply.
4. **sync_initial_secrets**: `SITE_URL` (from the hostname) and `STRIPE_SECRET_KEY` (Variable
   `stripe_secret_key`); secrets it does not name are left alone (`supabase_rotate_secrets` manages the rest).
5. **deploy_hello_world**: the Edge Function in `functions/hello-world/` beside this file.
6. **generate_types**: the database's TypeScript types, written to `types_output_path`.
7. **initialize_custom_hostname** -> **wait_for_custom_hostname** -> **activate_custom_hostname**: registers
   `custom_hostname`, waits (reverifying every 6 s, the API's limit) until its DNS and certificate check out,
   then serves the project on it. Add the DNS records the initialize log prints while the sensor waits.

**Needs**: a connection `supabase_default` (type `supabase`, a personal access token as password), the
Variables `supabase_db_password` and `stripe_secret_key`, and a running triggerer for the two waits.
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
        plan="{{ params.plan }}",
        wait_for_healthy=False,
    )

    # A new project takes a minute or two; the wait runs in the triggerer, not in a worker slot.
    wait_for_project = SupabaseProjectStatusSensor(
        task_id="wait_for_project",
        project_ref=PROJECT_REF,
        target_status="ACTIVE_HEALTHY",
        poke_interval=PROJECT_CHECK_SECONDS,
        timeout=30 * 60,
        deferrable=True,
    )

    apply_network_restrictions = ApplyNetworkRestrictionsOperator(
        task_id="apply_network_restrictions",
        project_ref=PROJECT_REF,
        db_allowed_cidrs=DB_ALLOWED_CIDRS,
        db_allowed_cidrs_v6=DB_ALLOWED_CIDRS_V6,
    )

    sync_initial_secrets = SyncSecretsOperator(
        task_id="sync_initial_secrets", project_ref=PROJECT_REF, secrets=INITIAL_SECRETS
    )

    deploy_hello_world = DeployFunctionOperator(
        task_id="deploy_hello_world",
        project_ref=PROJECT_REF,
        slug="hello-world",
        source_dir=str(FUNCTION_DIR),
        verify_jwt=True,
    )

    generate_types = GenerateTypeScriptTypesOperator(
        task_id="generate_types",
        project_ref=PROJECT_REF,
        included_schemas=["public"],
        output_path="{{ params.types_output_path }}",
    )

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
    wait_for_project >> [apply_network_restrictions, sync_initial_secrets, deploy_hello_world, generate_types]
    wait_for_project >> initialize_custom_hostname >> wait_for_custom_hostname >> activate_custom_hostname
