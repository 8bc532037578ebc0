"""Registration with Airflow and the cost of importing the package."""

from __future__ import annotations

import subprocess
import sys

import airflow_provider_supabase


def test_provider_info_registers_the_connection_type():
    info = airflow_provider_supabase.get_provider_info()
    (conn,) = info["connection-types"]
    assert conn["connection-type"] == "supabase"
    assert conn["hook-name"] == "Supabase"
    assert conn["hook-class-name"] == "airflow_provider_supabase.hooks.supabase.SupabaseHook"
    assert conn["ui-field-behaviour"]["relabeling"]["password"] == "Access Token"
    assert set(conn["conn-fields"]) == {"timeout", "max_retries", "retry_max_wait", "rate_limit_max_wait"}


def test_providers_manager_discovers_the_provider_through_its_entry_point():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-supabase" in manager.providers
    assert manager.hooks["supabase"].hook_class_name.endswith("SupabaseHook")


def test_every_module_named_in_provider_info_imports():
    import importlib

    info = airflow_provider_supabase.get_provider_info()
    kinds = ("hooks", "operators", "sensors", "triggers")
    modules = [m for kind in kinds for entry in info[kind] for m in entry["python-modules"]]
    for module in modules:
        importlib.import_module(module)
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert hasattr(importlib.import_module(module), name)


def test_hook_declares_its_connection_attributes():
    from airflow_provider_supabase.hooks.supabase import SupabaseHook

    assert SupabaseHook.conn_name_attr == "supabase_conn_id"
    assert SupabaseHook.default_conn_name == "supabase_default"
    assert SupabaseHook.conn_type == "supabase"
    assert SupabaseHook.hook_name == "Supabase"
    assert SupabaseHook.get_ui_field_behaviour()["hidden_fields"]


def test_connection_form_behaviour_is_valid_for_the_installed_airflow():
    """Airflow < 3.2 validates the classmethod against this schema and drops the whole form if it fails."""
    import json
    from importlib.resources import files

    import jsonschema

    from airflow_provider_supabase.hooks.supabase import SupabaseHook

    schema = json.loads(files("airflow").joinpath("customized_form_field_behaviours.schema.json").read_text())
    behaviour = SupabaseHook.get_ui_field_behaviour()
    jsonschema.validate(behaviour, schema)
    assert behaviour["hidden_fields"] == ["schema", "login", "port", "extra"]
    assert behaviour["relabeling"] == {"password": "Access Token", "host": "API URL"}


def test_connection_form_in_the_ui_hides_unused_fields_and_names_the_token():
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    (meta,) = [hook for hook in HookMetaService.hook_meta_data() if hook.connection_type == "supabase"]
    fields = meta.standard_fields
    assert fields is not None, "Airflow dropped the connection form customisation"
    assert fields.password.title == "Access Token"
    assert fields.password.placeholder == "sbp_... (personal access token)"
    assert fields.host.title == "API URL"
    assert fields.login.hidden and fields.port.hidden and fields.url_schema.hidden


def test_importing_the_package_loads_nothing_heavy():
    code = (
        "import sys, airflow_provider_supabase; "
        "print(sorted(m for m in ('requests', 'httpx', 'tenacity', 'airflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_operator_and_sensor_modules_do_not_import_an_http_client():
    info = airflow_provider_supabase.get_provider_info()
    modules = [m for kind in ("operators", "sensors") for entry in info[kind] for m in entry["python-modules"]]
    code = (
        "import sys, importlib; import airflow.sdk; "
        f"[importlib.import_module(m) for m in {modules!r}]; "
        "print(sorted(m for m in ('requests', 'airflow_provider_supabase.hooks.supabase') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
