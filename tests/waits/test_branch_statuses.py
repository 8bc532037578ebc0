"""The one rule for when a preview branch is ready and when a workflow run is done."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.waits.statuses import branch_outcome, latest_run, log_tail, run_outcome

NAMES = ("clone", "pull", "health", "configure", "migrate", "seed", "deploy")
HEALTHY = [{"name": "db", "healthy": True}, {"name": "rest", "healthy": True}]


def run(*statuses: str, run_id: str = "run_1", created_at: str = "2025-01-01T00:00:00Z") -> dict:
    steps = [{"name": n, "status": s} for n, s in zip(NAMES, statuses, strict=False)]
    return {"id": run_id, "run_steps": steps, "created_at": created_at}


DONE = run(*["EXITED"] * 7)


def test_a_branch_is_ready_when_project_run_and_health_all_are():
    outcome = branch_outcome("b", "ACTIVE_HEALTHY", DONE, HEALTHY)

    assert (outcome.state, outcome.status, outcome.message) == ("done", "READY", "Branch b is ready")


def test_an_active_healthy_project_is_not_ready_while_its_run_still_runs():
    outcome = branch_outcome("b", "ACTIVE_HEALTHY", run("EXITED", "EXITED", "RUNNING"), HEALTHY)

    assert outcome.state == "pending"
    assert outcome.message == "Branch b: its action run run_1: step health:RUNNING (2 of 3 steps EXITED)"


@pytest.mark.parametrize("health", [None, [], [{"name": "db", "healthy": True}, {"name": "rest", "healthy": False}]])
def test_a_failing_or_unasked_health_check_keeps_the_branch_pending(health):
    outcome = branch_outcome("b", "ACTIVE_HEALTHY", DONE, health)

    assert (outcome.state, outcome.status) == ("pending", "UNHEALTHY")


def test_a_project_still_coming_up_is_pending():
    assert branch_outcome("b", "COMING_UP", DONE, HEALTHY).message == "Branch b: its project is COMING_UP"


def test_a_dead_step_fails_even_while_the_project_is_coming_up():
    outcome = branch_outcome("b", "COMING_UP", run("EXITED", "DEAD", "CREATED"), None)

    assert (outcome.state, outcome.status) == ("failed", "DEAD")
    assert "step pull ended DEAD" in outcome.message


def test_a_project_that_failed_for_good_fails_the_branch():
    outcome = branch_outcome("b", "INIT_FAILED", None, None)

    assert (outcome.state, outcome.message) == ("failed", "Branch b: its project is INIT_FAILED")


def test_no_run_yet_is_pending():
    assert branch_outcome("b", "ACTIVE_HEALTHY", None, None).status == "NO_RUN"


def test_a_run_without_steps_is_pending_and_one_with_all_exited_is_done():
    assert run_outcome(run()).state == "pending"
    assert run_outcome(DONE).state == "done"


def test_the_latest_run_is_the_newest_and_ties_go_to_the_first_listed():
    older = run(run_id="a", created_at="2025-01-01T00:00:00Z")
    newer = run(run_id="b", created_at="2025-01-02T00:00:00Z")
    twin = run(run_id="c", created_at="2025-01-02T00:00:00Z")

    assert latest_run([older, newer, twin])["id"] == "b"
    assert latest_run([]) is None and latest_run(None) is None


def test_a_log_tail_keeps_the_last_lines_and_characters():
    text = "\n".join(f"line {i}" for i in range(100)) + "\n"

    assert log_tail(text).splitlines() == [f"line {i}" for i in range(80, 100)]
    assert log_tail("x" * 5000, chars=10) == "..." + "x" * 10
    assert log_tail(None) == ""
