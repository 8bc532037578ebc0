"""ProjectStatusTrigger and CustomHostnameTrigger run directly with asyncio against the emulator."""

from __future__ import annotations

import time

import pytest

from airflow_provider_supabase.triggers import CustomHostnameTrigger, ProjectStatusTrigger
from tests.triggers.support import events_of, rebuilt

HOST = "app.example.com"


@pytest.fixture
def initialized(hook, project):
    hook.initialize_custom_hostname(project["ref"], HOST)
    return project["ref"]


def test_project_trigger_serializes_to_its_import_path_with_primitive_kwargs():
    trigger = ProjectStatusTrigger("abcdefghijklmnopqrst", target_status="INACTIVE", poll_interval=2, timeout=30)
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_supabase.triggers.supabase.ProjectStatusTrigger"
    assert all(isinstance(v, (str, int, float, bool, type(None))) for v in kwargs.values())
    assert rebuilt(trigger).serialize() == (classpath, kwargs)


def test_hostname_trigger_round_trip_keeps_every_setting():
    trigger = CustomHostnameTrigger(
        "abcdefghijklmnopqrst",
        supabase_conn_id="other",
        target_status="4_origin_setup_completed",
        reverify=False,
        poll_interval=3,
        reverify_interval=7,
        timeout=60,
        fail_on_not_started=False,
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_supabase.triggers.supabase.CustomHostnameTrigger"
    assert all(isinstance(v, (str, int, float, bool, type(None))) for v in kwargs.values())
    assert rebuilt(trigger).serialize() == (classpath, kwargs)


def test_round_trip_keeps_the_absolute_deadline_instead_of_restarting_the_timeout():
    trigger = ProjectStatusTrigger("abcdefghijklmnopqrst", timeout=60)
    deadline = trigger.end_time
    time.sleep(0.05)
    assert rebuilt(trigger).end_time == deadline
    assert abs(deadline - (time.time() + 60)) < 1


def test_reverify_interval_cannot_go_below_six_seconds_by_default(monkeypatch):
    monkeypatch.delenv("AIRFLOW__SUPABASE__MIN_REVERIFY_INTERVAL")
    assert CustomHostnameTrigger("abcdefghijklmnopqrst", reverify_interval=1).reverify_interval == 6.0
    assert CustomHostnameTrigger("abcdefghijklmnopqrst", reverify_interval=20).reverify_interval == 20.0


def test_project_trigger_fires_one_success_event_once_the_new_project_is_healthy(hook, org):
    ref = hook.create_project("web", org["id"], "pw-123456", "us-east-1")["ref"]
    events = events_of(ProjectStatusTrigger(ref, poll_interval=0.1, timeout=10))
    assert events == [
        {
            "status": "success",
            "message": "Project reached ACTIVE_HEALTHY",
            "project_ref": ref,
            "project_status": "ACTIVE_HEALTHY",
        }
    ]


def test_project_trigger_fires_one_error_event_when_the_project_fails_to_start(emulator, hook, org):
    emulator.plan_project("doomed", "INIT_FAILED")
    ref = hook.create_project("doomed", org["id"], "pw-123456", "us-east-1")["ref"]
    events = events_of(ProjectStatusTrigger(ref, poll_interval=0.1, timeout=10))
    assert len(events) == 1
    assert events[0]["status"] == "error"
    assert events[0]["project_status"] == "INIT_FAILED"
    assert "INIT_FAILED" in events[0]["message"]


def test_hostname_trigger_reverifies_until_the_target_step(emulator, initialized):
    trigger = CustomHostnameTrigger(
        initialized,
        target_status="4_origin_setup_completed",
        poll_interval=0.05,
        reverify_interval=0.1,
        timeout=10,
    )
    assert events_of(trigger) == [
        {
            "status": "success",
            "message": f"Custom hostname {HOST} reached 4_origin_setup_completed",
            "project_ref": initialized,
            "hostname_status": "4_origin_setup_completed",
            "custom_hostname": HOST,
        }
    ]
    assert emulator.request_count("POST", "/v1/projects/{ref}/custom-hostname/reverify") == 2


def test_hostname_trigger_without_reverify_only_reads(emulator, initialized):
    trigger = CustomHostnameTrigger(
        initialized, reverify=False, poll_interval=0.05, reverify_interval=0.05, timeout=0.3
    )
    [event] = events_of(trigger)
    assert event["status"] == "timeout"
    assert event["hostname_status"] == "2_initiated"
    assert emulator.request_count("POST", "/v1/projects/{ref}/custom-hostname/reverify") == 0


def test_hostname_trigger_reports_the_ssl_validation_error_in_the_apis_words(emulator, hook, project):
    emulator.plan_hostname(HOST, ssl_error="CAA record for example.com prevents issuance")
    hook.initialize_custom_hostname(project["ref"], HOST)
    [event] = events_of(CustomHostnameTrigger(project["ref"], poll_interval=0.05, reverify_interval=0.05, timeout=10))
    assert event["status"] == "error"
    assert event["hostname_status"] == "2_initiated"
    assert event["message"] == f"SSL validation failed for {HOST}: CAA record for example.com prevents issuance"


def test_hostname_trigger_fails_on_a_hostname_that_was_never_initialized(emulator, project):
    [event] = events_of(CustomHostnameTrigger(project["ref"], poll_interval=0.05, timeout=10))
    assert event["status"] == "error"
    assert event["hostname_status"] == "1_not_started"
    assert "never initialized" in event["message"]
    assert emulator.request_count("POST", "/v1/projects/{ref}/custom-hostname/reverify") == 0


def test_trigger_times_out_with_the_last_status_it_saw(emulator, project):
    trigger = CustomHostnameTrigger(project["ref"], fail_on_not_started=False, poll_interval=0.05, timeout=0.3)
    started = time.monotonic()
    [event] = events_of(trigger)
    assert time.monotonic() - started < 2
    assert event["status"] == "timeout"
    assert event["hostname_status"] == "1_not_started"
    assert "last seen: Custom hostname (none) is 1_not_started" in event["message"]


def test_a_429_waits_for_the_reset_and_the_wait_goes_on(emulator, hook, org):
    ref = hook.create_project("web", org["id"], "pw-123456", "us-east-1")["ref"]
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=429, retry_after="0.05")
    [event] = events_of(ProjectStatusTrigger(ref, poll_interval=0.1, timeout=10))
    assert event["status"] == "success"
    statuses = [r.status for r in emulator.requests if r.method == "GET" and r.template == "/v1/projects/{ref}"]
    assert statuses[0] == 429 and statuses[1:] and set(statuses[1:]) == {200}


def test_an_api_error_becomes_an_error_event_not_a_crash(emulator, project):
    emulator.inject_fault("GET", "/v1/projects/{ref}", "status", status=404, message="Project not found")
    [event] = events_of(ProjectStatusTrigger(project["ref"], poll_interval=0.1, timeout=10))
    assert event["status"] == "error"
    assert "Project not found" in event["message"] and "404" in event["message"]


def test_a_missing_connection_becomes_an_error_event(emulator, project):
    [event] = events_of(ProjectStatusTrigger(project["ref"], supabase_conn_id="no_such_conn", timeout=10))
    assert event["status"] == "error"
    assert "no_such_conn" in event["message"]
