"""Apache Airflow provider for the Supabase Management API.

Importing this package must stay cheap: Airflow imports it to read ``get_provider_info`` on every
process start, so nothing here touches requests, httpx or the wider Airflow codebase.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# The connection every hook, operator and sensor uses unless told otherwise.
DEFAULT_CONN_ID = "supabase_default"

_HOOK = "airflow_provider_supabase.hooks.supabase.SupabaseHook"


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""
    return {
        "package-name": "airflow-provider-supabase",
        "name": "Supabase",
        "description": "Supabase Management API: projects, preview branches, Edge Functions, secrets, networks, "
        "custom domains.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Supabase",
                "external-doc-url": "https://supabase.com/docs/reference/api/introduction",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "Supabase", "python-modules": ["airflow_provider_supabase.hooks.supabase"]}],
        "operators": [
            {
                "integration-name": "Supabase",
                "python-modules": [
                    f"airflow_provider_supabase.operators.{name}"
                    for name in (
                        "projects",
                        "functions",
                        "secrets",
                        "custom_hostname",
                        "network",
                        "types",
                        "pgsodium",
                        "organizations",
                        "database",
                        "config",
                        "api_keys",
                        "rotation",
                        "branches",
                    )
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": "Supabase",
                "python-modules": [
                    "airflow_provider_supabase.sensors.custom_hostname",
                    "airflow_provider_supabase.sensors.project",
                    "airflow_provider_supabase.sensors.branch",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": "Supabase",
                "python-modules": [
                    "airflow_provider_supabase.triggers.supabase",
                    "airflow_provider_supabase.triggers.branches",
                ],
            }
        ],
        "config": {
            "supabase": {
                "description": "Supabase provider settings.",
                "options": {
                    "min_reverify_interval": {
                        "description": "Least seconds between custom-hostname reverify calls per project. The "
                        "API allows 10 a minute; lower it only for tests against an emulator.\n",
                        "version_added": "0.1.0",
                        "type": "float",
                        "example": "6.0",
                        "default": "6.0",
                    }
                },
            }
        },
        "extra-links": ["airflow_provider_supabase.operators.projects.SupabaseProjectLink"],
        "connection-types": [
            {
                "hook-class-name": _HOOK,
                "hook-name": "Supabase",
                "connection-type": "supabase",
                "conn-fields": {
                    "timeout": {
                        "label": "Request timeout (seconds)",
                        "description": "How long one request may take before it counts as failed and is retried.",
                        "schema": {"type": ["number", "null"], "default": 30},
                    },
                    "max_retries": {
                        "label": "Max retries per request",
                        "description": "Retries after the first attempt, for 429, 5xx, timeouts and dropped "
                        "connections; other errors are never retried.",
                        "schema": {"type": ["integer", "null"], "default": 5},
                    },
                    "retry_max_wait": {
                        "label": "Longest wait between retries (seconds)",
                        "description": "Cap on any single wait, including one a 429's Retry-After asks for.",
                        "schema": {"type": ["number", "null"], "default": 60},
                    },
                    "rate_limit_max_wait": {
                        "label": "Longest time one call keeps retrying 429s (seconds)",
                        "description": "A 429 means the request was not processed, so it is retried past the "
                        "max retries until the call has spent this long; 0 stops at the max retries.",
                        "schema": {"type": ["number", "null"], "default": 300},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "login", "port", "extra"],
                    "relabeling": {"password": "Access Token", "host": "API URL"},
                    "placeholders": {
                        "password": "sbp_... (personal access token)",
                        "host": "https://api.supabase.com",
                    },
                },
            }
        ],
    }
