"""The one retry policy, seen from the outside: what is retried, how long it waits, what is never repeated."""

from __future__ import annotations

import email.utils
import time

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.supabase import SupabaseHook


def statuses(emulator, template):
    return [r.status for r in emulator.requests if r.template == template]


def test_429_with_retry_after_waits_as_told_then_succeeds(emulator, project):
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=429, retry_after="1")
    hook = SupabaseHook(retry_max_wait=5)
    started = time.monotonic()
    assert hook.get_project(project["ref"])["ref"] == project["ref"]
    assert time.monotonic() - started >= 1.0
    assert statuses(emulator, "/v1/projects/{ref}") == [429, 200]


def test_429_with_http_date_retry_after_is_understood(emulator, project):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=429, retry_after=when)
    hook = SupabaseHook(retry_max_wait=5)
    started = time.monotonic()
    hook.get_project(project["ref"])
    assert time.monotonic() - started >= 0.9  # HTTP-dates have one-second resolution


def test_429_without_retry_after_waits_for_rate_limit_reset(emulator, project):
    emulator.configure(rate_limit=2, rate_window=1.0, retry_after_header=False)
    hook = SupabaseHook(retry_max_wait=5)
    for _ in range(4):
        hook.get_project(project["ref"])
    seen = statuses(emulator, "/v1/projects/{ref}")
    assert seen.count(200) == 4
    # The rate-limit gate holds callers until the window resets, so at most one 429 is spent learning it.
    assert seen.count(429) <= 1


def test_429_wait_is_capped_by_retry_max_wait(emulator, project):
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=429, retry_after="30")
    hook = SupabaseHook(retry_max_wait=0.2)
    started = time.monotonic()
    hook.get_project(project["ref"])
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried(emulator, project, hook, status):
    emulator.inject_fault("GET", "/v1/projects/{ref}/secrets", "status", status=status, times=2)
    assert hook.list_secrets(project["ref"]) == []
    assert statuses(emulator, "/v1/projects/{ref}/secrets") == [status, status, 200]


def test_dropped_connection_on_read_is_retried(emulator, project, hook):
    emulator.inject_fault("GET", "/v1/projects/{ref}", "drop")
    assert hook.get_project(project["ref"])["name"] == "acme-prod"
    assert statuses(emulator, "/v1/projects/{ref}") == [None, 200]


def test_timeout_on_read_is_retried(emulator, project, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, timeout=0.3)
    emulator.inject_fault("GET", "/v1/projects/{ref}", "delay", delay=1.0)
    assert SupabaseHook().get_project(project["ref"])["name"] == "acme-prod"
    assert emulator.request_count("GET", "/v1/projects/{ref}") == 2


def test_malformed_json_on_read_is_retried(emulator, project, hook):
    emulator.inject_fault("GET", "/v1/projects", "malformed")
    assert [p["name"] for p in hook.list_projects()] == ["acme-prod"]


def test_retries_stop_after_max_retries_with_the_last_error(emulator, project, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, max_retries=2)
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=503, times=10, message="maintenance")
    with pytest.raises(SupabaseApiError) as err:
        SupabaseHook().get_project(project["ref"])
    assert err.value.status_code == 503 and "maintenance" in str(err.value)
    assert emulator.request_count("GET", "/v1/projects/{ref}") == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_never_retried(emulator, project, hook, status):
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=status, message="nope")
    with pytest.raises(SupabaseApiError) as err:
        hook.get_project(project["ref"])
    assert err.value.status_code == status and err.value.api_message == "nope"
    assert emulator.request_count("GET", "/v1/projects/{ref}") == 1


def test_each_retry_is_logged_with_reason_and_wait_but_no_body(emulator, project, hook, capfd):
    emulator.inject_fault("POST", "/v1/projects/{ref}/secrets", "status", status=503, message="busy")
    capfd.readouterr()
    hook.create_secrets(project["ref"], {"API_KEY": "canary-value-123"})
    text = "".join(capfd.readouterr())
    retry_lines = [line for line in text.splitlines() if "Retrying in" in line]
    assert len(retry_lines) == 1
    assert "POST /v1/projects/" in retry_lines[0] and "HTTP 503" in retry_lines[0] and "busy" in retry_lines[0]
    assert "canary-value-123" not in text


def test_create_project_dropped_after_creation_adopts_instead_of_duplicating(emulator, org, hook):
    emulator.inject_fault("POST", "/v1/projects", "drop_after")
    project = hook.create_project("web", org["id"], "pw", "us-east-1")
    assert project["name"] == "web"
    assert [p["name"] for p in emulator.state_snapshot()["projects"].values()] == ["web"]
    assert emulator.request_count("POST", "/v1/projects") == 1


def test_create_project_dropped_before_creation_is_sent_again(emulator, org, hook):
    emulator.inject_fault("POST", "/v1/projects", "drop")
    hook.create_project("web", org["id"], "pw", "us-east-1")
    assert emulator.request_count("POST", "/v1/projects") == 2
    assert len(emulator.state_snapshot()["projects"]) == 1


def test_create_organization_timeout_after_creation_adopts(emulator, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, timeout=0.3)
    # The server finishes 0.2 s after the client gave up; the hook gives it as long as its timeout
    # before looking for the organization, so it finds it instead of creating a second one.
    emulator.inject_fault("POST", "/v1/organizations", "delay", delay=0.5)
    created = SupabaseHook().create_organization("Initech")
    assert created["name"] == "Initech"
    time.sleep(0.6)  # let the slow first request finish on the server
    assert [o["name"] for o in emulator.state_snapshot()["organizations"].values()] == ["Initech"]


def test_create_function_500_after_creation_adopts(emulator, project, hook):
    emulator.inject_fault("POST", "/v1/projects/{ref}/functions", "drop_after")
    created = hook.create_function(project["ref"], "hello", "Hello", "x")
    assert created["slug"] == "hello" and created["version"] == 1
    assert emulator.request_count("POST", "/v1/projects/{ref}/functions") == 1


def test_delete_dropped_after_deleting_counts_as_done(emulator, project, hook):
    hook.create_function(project["ref"], "hello", "Hello", "x")
    emulator.inject_fault("DELETE", "/v1/projects/{ref}/functions/{function_slug}", "drop_after")
    assert hook.delete_function(project["ref"], "hello") is None
    assert emulator.state_snapshot()["functions"].get(project["ref"], {}) == {}


def test_redirects_are_not_followed(emulator, project, hook):
    emulator.inject_fault("GET", "/v1/projects", "status", status=302, message="moved")
    with pytest.raises(SupabaseApiError) as err:
        hook.list_projects()
    assert "redirect" in str(err.value)
    assert emulator.request_count() == 1


def test_429s_beyond_max_retries_go_on_within_the_rate_limit_budget(emulator, project, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, max_retries=1, rate_limit_max_wait=10)
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=429, retry_after="0", times=4)
    assert SupabaseHook().get_project(project["ref"])["ref"] == project["ref"]
    assert statuses(emulator, "/v1/projects/{ref}") == [429, 429, 429, 429, 200]


def test_429s_stop_once_the_rate_limit_budget_is_spent(emulator, project, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, max_retries=1, rate_limit_max_wait=0.5)
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=429, retry_after="0.1", times=1000)
    started = time.monotonic()
    with pytest.raises(SupabaseApiError) as err:
        SupabaseHook().get_project(project["ref"])
    assert err.value.status_code == 429
    assert 0.5 <= time.monotonic() - started < 3
    assert emulator.request_count("GET", "/v1/projects/{ref}") > 2


def test_5xx_beyond_max_retries_are_not_covered_by_the_rate_limit_budget(emulator, project, monkeypatch):
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, max_retries=1, rate_limit_max_wait=10)
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=503, times=5)
    with pytest.raises(SupabaseApiError):
        SupabaseHook().get_project(project["ref"])
    assert emulator.request_count("GET", "/v1/projects/{ref}") == 2
