"""The branch operators in real DAG runs against the emulator: create or adopt and wait until really ready, merge,
push and reset with their workflow runs, delete; DEAD steps, masking and bad input."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from tests.branch_support import held_until_looked_at
from tests.operators.masking import assert_never_leaked

IMPORTS = "from airflow_provider_supabase.operators.branches import *"
CANARY = "sk_live_branch_canary_7f3a9c21d4"


def _create(ref: str, name: str = "feature-login", **extra) -> str:
    args = {"task_id": "create", "project_ref": ref, "branch_name": name, "poll_interval": 0.1, "timeout": 60}
    args.update(extra)
    return f"CreateBranchOperator(**{args!r})"


def _branches(emulator) -> list[dict]:
    return [b for b in emulator.state_snapshot()["branches"].values() if not b["is_default"]]


@pytest.fixture
def deferred(caplog):
    """Whether dag.test() ran a trigger in-process during this test (it says so through stdlib logging)."""
    return lambda: "running trigger in line" in caplog.text


@pytest.fixture
def ready_branch(hook, emulator, project):
    """A branch that is ready: created through the API, then polled until the readiness check passes."""
    import time

    from airflow_provider_supabase.waits.checks import branch_step, run_sync

    branch = hook.create_branch(project["ref"], "feature-login")
    deadline = time.monotonic() + 60
    while run_sync(branch_step(project["ref"], "feature-login"), hook, "").outcome.state != "done":
        assert time.monotonic() < deadline, "the branch never became ready"
        time.sleep(0.05)
    return branch


@pytest.mark.parametrize("deferrable", [False, True], ids=["in_worker", "deferred"])
def test_create_waits_until_the_branch_is_really_ready(deferred, run_tasks, emulator, project, deferrable):
    with held_until_looked_at(emulator):
        result = run_tasks(_create(project["ref"], deferrable=deferrable), imports=IMPORTS)

    assert result.task_states == {"create": "success"}
    [branch] = _branches(emulator)
    assert result.xcom("create") == {
        "branch_id": branch["id"],
        "project_ref": branch["project_ref"],
        "name": "feature-login",
        "created": True,
    }
    assert {s["status"] for s in branch["runs"][-1]["run_steps"]} == {"EXITED"}
    assert "Branch feature-login: its project is COMING_UP" in result.log
    assert emulator.request_count("GET", f"/v1/projects/{branch['project_ref']}/health") >= 1
    assert deferred() == deferrable


def test_an_existing_branch_is_adopted_and_a_ready_one_costs_one_round(run_tasks, emulator, project, ready_branch):
    actions = f"/v1/projects/{ready_branch['project_ref']}/actions"
    looked_before = emulator.request_count("GET", actions)

    result = run_tasks(_create(project["ref"], deferrable=True), imports=IMPORTS)

    assert result.xcom("create")["created"] is False
    assert result.xcom("create")["branch_id"] == ready_branch["id"]
    assert emulator.request_count("POST", f"/v1/projects/{project['ref']}/branches") == 1
    assert emulator.request_count("GET", actions) - looked_before == 1
    assert "running trigger in line" not in result.log
    assert "adopting it" in result.log


@pytest.mark.parametrize("deferrable", [False, True], ids=["in_worker", "deferred"])
def test_a_dead_step_fails_the_create_with_its_name_and_log_tail(run_tasks, emulator, project, deferrable):
    emulator.plan_branch_failure("feature-login", "migrate", 'ERROR: relation "users" does not exist')
    with held_until_looked_at(emulator):
        result = run_tasks(_create(project["ref"], deferrable=deferrable, retries=2, retry_delay=0), imports=IMPORTS)

    assert result.task_states == {"create": "failed"}
    assert "step migrate ended DEAD" in result.log
    assert '[migrate] ERROR: relation "users" does not exist' in result.log
    assert result.try_numbers["create"] == 1  # a DEAD step fails the same way again: no retries


@pytest.mark.one_minor
def test_a_project_without_branching_gets_its_first_branch(run_tasks, emulator, project):
    result = run_tasks(_create(project["ref"], name="first", wait_until_ready=False), imports=IMPORTS)

    assert result.xcom("create")["created"] is True
    assert [b["name"] for b in _branches(emulator)] == ["first"]


@pytest.mark.one_minor
def test_with_data_on_a_free_plan_fails_naming_the_field(run_tasks, emulator, project):
    result = run_tasks(_create(project["ref"], with_data=True), imports=IMPORTS)

    assert result.task_states == {"create": "failed"}
    assert "Invalid with_data: refused by the API: Branching with data is not available on the free plan" in (
        result.log
    )
    assert _branches(emulator) == []


def test_branch_secrets_and_database_credentials_never_leak(run_tasks, emulator, project):
    tasks = f"""
create_op = {_create(project["ref"], secrets={"STRIPE_KEY": "{{ params.stripe }}"})}

@task
def connect(branch):
    from airflow_provider_supabase.hooks.supabase import SupabaseHook
    from tests.airflow_compat import redact

    detail = SupabaseHook().get_branch_config(branch["branch_id"])
    return {{"masked": [redact(detail["db_pass"]), redact(detail["jwt_secret"])], "host": detail["db_host"]}}

connect(XComArg(create_op))
"""
    imports = IMPORTS + "\nfrom airflow.sdk import XComArg, task"
    result = run_tasks(tasks, imports=imports, params={"stripe": CANARY})

    assert result.task_states == {"create": "success", "connect": "success"}
    [branch] = _branches(emulator)
    snapshot = emulator.state_snapshot()
    project_state = snapshot["projects"][branch["project_ref"]]
    assert snapshot["secrets"][branch["project_ref"]]["STRIPE_KEY"]["value"] == CANARY
    assert result.xcom("connect") == {"masked": ["***", "***"], "host": f"db.{branch['project_ref']}.supabase.co"}
    assert_never_leaked(result, CANARY, project_state["db_pass"], project_state["postgrest_config"]["jwt_secret"])


@pytest.mark.parametrize("workflow", ["Merge", "Push", "Reset"])
@pytest.mark.parametrize("deferrable", [False, True], ids=["in_worker", "deferred"])
def test_workflow_operators_wait_for_their_run(deferred, run_tasks, emulator, ready_branch, workflow, deferrable):
    op = (
        f"{workflow}BranchOperator(task_id='run', branch_id_or_ref={ready_branch['id']!r}, poll_interval=0.1, "
        f"timeout=60, deferrable={deferrable})"
    )
    result = run_tasks(op, imports=IMPORTS)

    assert result.task_states == {"run": "success"}
    xcom = result.xcom("run")
    [branch] = _branches(emulator)
    run = branch["runs"][-1]
    assert run["workflow"] == workflow.lower()
    assert xcom == {
        "branch_id_or_ref": ready_branch["id"],
        "project_ref": ready_branch["project_ref"],
        "workflow_run_id": run["id"],
        "status": "EXITED",
    }
    assert {s["status"] for s in run["run_steps"]} == {"EXITED"}
    assert deferred() == deferrable


@pytest.mark.parametrize("deferrable", [False, True], ids=["in_worker", "deferred"])
def test_a_failed_merge_fails_with_the_steps_log_tail(run_tasks, emulator, ready_branch, deferrable):
    emulator.plan_branch_failure("feature-login", "migrate", "ERROR: duplicate key value", workflow="merge")
    op = (
        f"MergeBranchOperator(task_id='run', branch_id_or_ref={ready_branch['project_ref']!r}, poll_interval=0.1, "
        f"timeout=60, deferrable={deferrable}, retries=2, retry_delay=0)"
    )
    result = run_tasks(op, imports=IMPORTS)

    assert result.task_states == {"run": "failed"}
    assert "step migrate ended DEAD" in result.log
    assert "[migrate] ERROR: duplicate key value" in result.log
    assert result.try_numbers["run"] == 1


def test_delete_removes_a_branch_by_id(run_tasks, emulator, ready_branch):
    op = f"DeleteBranchOperator(task_id='delete', branch_id_or_ref={ready_branch['id']!r})"
    result = run_tasks(op, imports=IMPORTS)

    assert result.xcom("delete") == {"branch": ready_branch["id"], "deleted": True, "force": True}
    assert _branches(emulator) == []


@pytest.mark.one_minor
def test_delete_by_name_and_a_missing_branch_is_success(run_tasks, emulator, project, ready_branch):
    op = (
        f"DeleteBranchOperator(task_id='delete', project_ref={project['ref']!r}, branch_name='feature-login')\n"
        f"DeleteBranchOperator(task_id='again', project_ref={project['ref']!r}, branch_name='feature-login')\n"
    )
    result = run_tasks(op, imports=IMPORTS)

    assert result.state == "success"
    deleted = [result.xcom("delete")["deleted"], result.xcom("again")["deleted"]]
    assert sorted(deleted) == [False, True]
    assert _branches(emulator) == []


@pytest.mark.one_minor
def test_delete_on_a_project_without_branching_is_success(run_tasks, emulator, project):
    op = f"DeleteBranchOperator(task_id='delete', project_ref={project['ref']!r}, branch_name='never-made')"
    result = run_tasks(op, imports=IMPORTS)

    assert result.xcom("delete") == {
        "branch": f"never-made of project {project['ref']}",
        "deleted": False,
        "force": True,
    }


@pytest.mark.one_minor
def test_delete_without_force_schedules_the_delete(run_tasks, emulator, ready_branch):
    op = f"DeleteBranchOperator(task_id='delete', branch_id_or_ref={ready_branch['id']!r}, force=False)"
    result = run_tasks(op, imports=IMPORTS)

    assert result.xcom("delete")["deleted"] is True
    [branch] = _branches(emulator)
    assert branch["deletion_scheduled_at"]
    assert emulator.requests[-1].query == {"force": ["false"]}


REF = "abcdefghijklmnopqrst"


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"),
    [
        ("CreateBranchOperator", {"project_ref": REF, "branch_name": ""}, "branch_name"),
        ("CreateBranchOperator", {"project_ref": REF, "branch_name": "run id with spaces"}, "branch_name"),
        ("CreateBranchOperator", {"project_ref": "nope", "branch_name": "ok"}, "project_ref"),
        ("CreateBranchOperator", {"project_ref": REF, "branch_name": "ok", "with_data": "yes"}, "with_data"),
        ("CreateBranchOperator", {"project_ref": REF, "branch_name": "ok", "secrets": {"A": 1}}, "secrets['A']"),
        ("CreateBranchOperator", {"project_ref": REF, "branch_name": "ok", "timeout": 0}, "timeout"),
        ("MergeBranchOperator", {"branch_id_or_ref": "feature-login"}, "branch_id_or_ref"),
        ("PushBranchOperator", {"branch_id_or_ref": "X" * 20}, "branch_id_or_ref"),
        ("ResetBranchOperator", {"branch_id_or_ref": REF, "poll_interval": -1}, "poll_interval"),
        ("DeleteBranchOperator", {"branch_id_or_ref": "12345"}, "branch_id_or_ref"),
        ("DeleteBranchOperator", {}, "branch_id_or_ref"),
        ("DeleteBranchOperator", {"branch_id_or_ref": REF, "branch_name": "b"}, "branch_id_or_ref"),
        ("DeleteBranchOperator", {"project_ref": REF, "branch_name": "a/b"}, "branch_name"),
        ("DeleteBranchOperator", {"branch_id_or_ref": REF, "force": "yes"}, "force"),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator, cls, kwargs, field):
    from airflow_provider_supabase.operators import branches

    op = getattr(branches, cls)(task_id="t", **kwargs)

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field
    assert emulator.request_count() == 0


def test_create_maps_over_branch_names_with_masked_secrets(run_tasks, emulator, project):
    tasks = f"""
CreateBranchOperator.partial(
    task_id="create", project_ref={project["ref"]!r}, wait_until_ready=False, secrets={{"API_KEY": {CANARY!r}}}
).expand(branch_name=["preview-a", "preview-b"])
"""
    result = run_tasks(tasks, imports=IMPORTS)

    assert result.state == "success"
    assert sorted(x["name"] for x in result.mapped_xcoms("create")) == ["preview-a", "preview-b"]
    assert sorted(b["name"] for b in _branches(emulator)) == ["preview-a", "preview-b"]
    assert_never_leaked(result, CANARY)
