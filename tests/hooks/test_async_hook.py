"""The async twin: same endpoints, same policy, on httpx."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook


def run(coro):
    return asyncio.run(coro)


def test_async_hook_reads_project(emulator, project):
    async def main():
        async with SupabaseAsyncHook() as hook:
            return await hook.get_project(project["ref"])

    assert run(main())["name"] == "acme-prod"


def test_async_hook_retries_429_then_succeeds(emulator, project):
    emulator.inject_fault("POST", "/v1/projects/{ref}/custom-hostname/reverify", "status", status=429)
    emulator.inject_fault("GET", "/v1/projects/{ref}/custom-hostname", "status", status=503)

    async def main():
        async with SupabaseAsyncHook() as hook:
            await hook.initialize_custom_hostname(project["ref"], "api.example.com")
            await hook.reverify_custom_hostname(project["ref"])
            return await hook.get_custom_hostname(project["ref"])

    assert run(main())["status"] == "3_challenge_verified"


def test_async_hook_retries_a_dropped_connection(emulator, project):
    emulator.inject_fault("GET", "/v1/projects/{ref}", "drop")

    async def main():
        async with SupabaseAsyncHook() as hook:
            return await hook.get_project(project["ref"])

    assert run(main())["ref"] == project["ref"]


def test_async_hook_raises_the_same_error_type(emulator):
    async def main():
        async with SupabaseAsyncHook() as hook:
            await hook.get_project("abcdefghijklmnopqrst")

    with pytest.raises(SupabaseApiError) as err:
        run(main())
    assert err.value.status_code == 404


def test_async_hook_stops_after_the_connections_max_retries(emulator, project, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, max_retries=1)
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=503, times=5)

    async def main():
        async with SupabaseAsyncHook() as hook:
            await hook.get_project(project["ref"])

    with pytest.raises(SupabaseApiError):
        run(main())
    assert emulator.request_count("GET", "/v1/projects/{ref}") == 2


def test_async_update_function_keeps_verify_jwt_when_not_given(emulator, project, hook):
    # One implementation for both hooks: the function is read first, because the API would reset verify_jwt.
    hook.create_function(project["ref"], "hello", "Hello", "x", verify_jwt=False)

    async def main():
        async with SupabaseAsyncHook() as async_hook:
            return await async_hook.update_function(project["ref"], "hello", body="y")

    updated = run(main())
    assert updated["verify_jwt"] is False and updated["version"] == 2
