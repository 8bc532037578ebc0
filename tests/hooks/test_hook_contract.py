"""The public hook as a DAG author meets it: every endpoint documented and typed, the async twin typed as
returning awaitables, and the generated type files in step with the code and the spec."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

from airflow_provider_supabase.hooks.endpoints import Endpoints
from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook, SupabaseHook
from tests.spec import SPEC_PATH

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import gen_api_types  # noqa: E402
import gen_hook_stubs  # noqa: E402

ENDPOINT_METHODS = sorted(name for name, _ in inspect.getmembers(Endpoints, inspect.isfunction) if name[0] != "_")


def test_the_hook_has_every_endpoint_of_the_first_wave():
    assert len(ENDPOINT_METHODS) >= 28


@pytest.mark.parametrize("name", ENDPOINT_METHODS)
def test_every_endpoint_says_what_it_does_returns_and_raises(name):
    doc = inspect.getdoc(getattr(Endpoints, name)) or ""

    assert doc.split("\n")[0].strip(), f"{name} has no summary line"
    assert ":raises SupabaseApiError:" in doc


@pytest.mark.parametrize("name", ENDPOINT_METHODS)
def test_every_endpoint_returns_a_declared_type(name):
    returns = getattr(Endpoints, name).__annotations__.get("return")

    assert returns is not None and returns != "Any", f"{name} returns {returns!r}"


@pytest.mark.parametrize("name", ["test_connection", "get_conn", "close", "settings"])
def test_the_sync_hooks_own_methods_are_documented(name):
    member = inspect.getattr_static(SupabaseHook, name)
    assert inspect.getdoc(member.fget if isinstance(member, property) else member)


@pytest.mark.parametrize("name", ["asettings", "aclose"])
def test_the_async_hooks_own_methods_are_documented(name):
    assert inspect.getdoc(getattr(SupabaseAsyncHook, name))


def test_the_async_stub_lists_every_endpoint_as_a_coroutine_and_is_current():
    text = gen_hook_stubs.render()

    assert gen_hook_stubs.STUB.read_text() == text, "run: python scripts/gen_hook_stubs.py"
    for name in ENDPOINT_METHODS:
        assert f"    async def {name}(" in text


def test_the_api_types_are_generated_from_the_current_spec():
    assert (ROOT / "airflow_provider_supabase/api_types.py").read_text() == gen_api_types.render(SPEC_PATH), (
        "run: python scripts/gen_api_types.py"
    )
