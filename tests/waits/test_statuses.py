"""The one rule for what a project status means to a wait, for the targets a pause and a restore wait for."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.waits.statuses import project_outcome


@pytest.mark.parametrize("status", ["ACTIVE_HEALTHY", "PAUSING", "GOING_DOWN"])
def test_a_pause_is_pending_until_the_project_is_inactive(status):
    assert project_outcome(status, "INACTIVE").state == "pending"


def test_a_pause_is_done_when_the_project_is_inactive():
    assert project_outcome("INACTIVE", "INACTIVE").state == "done"


@pytest.mark.parametrize("status", ["PAUSE_FAILED", "REMOVED"])
def test_a_pause_fails_on_a_failed_or_removed_project(status):
    outcome = project_outcome(status, "INACTIVE")

    assert outcome.state == "failed"
    assert status in outcome.message


@pytest.mark.parametrize("status", ["RESTORING", "COMING_UP"])
def test_a_restore_is_pending_while_restoring_or_coming_up(status):
    assert project_outcome(status, "ACTIVE_HEALTHY").state == "pending"


@pytest.mark.parametrize("status", ["RESTORE_FAILED", "INACTIVE", "GOING_DOWN"])
def test_a_restore_fails_fast_when_the_project_fails_or_falls_back_to_inactive(status):
    outcome = project_outcome(status, "ACTIVE_HEALTHY")

    assert outcome.state == "failed"
    assert "will not become ACTIVE_HEALTHY" in outcome.message
