"""The rotation operators in real DAG runs against the emulator: what each run does to the keys and the password,
what the sinks end up holding, that retries and extra runs never rotate twice or lock anyone out, and bad input
refused before any request."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.supabase import SupabaseHook
from airflow_provider_supabase.operators.rotation import (
    CallableSink,
    FunctionSecretsSink,
    RotateApiKeyOperator,
    RotateDatabasePasswordOperator,
    RotateSigningKeyOperator,
    VariableSink,
)
from tests.operators.masking import assert_never_leaked

IMPORTS = """
from airflow_provider_supabase.operators.rotation import (
    CallableSink,
    FunctionSecretsSink,
    RotateApiKeyOperator,
    RotateDatabasePasswordOperator,
    RotateSigningKeyOperator,
    VariableSink,
)
"""
DAY = 86400
VARIABLES = ("svc_key", "svc_key_pending", "db_password", "db_password_pending")


@pytest.fixture(autouse=True)
def no_variables_from_other_tests(airflow_db):
    """The Airflow database lives as long as the test session: start without the Variables these tests write."""
    from airflow.models import Variable

    for key in VARIABLES:
        Variable.delete(key)


def _variable(name: str) -> str | None:
    from airflow.models import Variable

    return Variable.get(name, default_var=None)


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _own_keys(emulator, ref: str, prefix: str = "svc") -> dict[str, dict]:
    keys = emulator.state_snapshot()["projects"][ref]["api_keys"]
    return {k["name"]: k for k in keys if k["name"].startswith(prefix + "_")}


def _seed_key(ref: str, name: str) -> dict:
    hook = SupabaseHook()
    try:
        return hook.create_api_key(ref, "secret", name)
    finally:
        hook.close()


def _rotate(ref: str, **kwargs) -> str:
    args = {"sinks": "[VariableSink('svc_key')]", **{k: v for k, v in kwargs.items()}}
    extra = "".join(f", {k}={v}" for k, v in args.items())
    return f"RotateApiKeyOperator(task_id='rotate', project_ref={ref!r}, name_prefix='svc'{extra})"


# ------------------------------------------------------------------------------------------------- API keys


def test_the_first_run_creates_a_key_and_hands_it_to_the_sink(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(_rotate(ref), imports=IMPORTS)

    [(name, key)] = _own_keys(emulator, ref).items()
    assert result.xcom("rotate") == {
        "project_ref": ref,
        "step": "rotated",
        "key": name,
        "key_id": key["id"],
        "deleted": [],
        "sinks": ["Variable svc_key"],
    }
    assert _variable("svc_key") == key["api_key"]
    assert_never_leaked(result, key["api_key"])


@pytest.mark.one_minor
def test_a_second_run_the_same_day_keeps_the_key(run_tasks, emulator, project):
    ref = project["ref"]
    run_tasks(_rotate(ref), imports=IMPORTS)

    second = run_tasks(_rotate(ref), imports=IMPORTS, dag_suffix="_again")

    [(name, key)] = _own_keys(emulator, ref).items()
    assert (second.xcom("rotate")["step"], second.xcom("rotate")["key"]) == ("kept", name)
    assert _variable("svc_key") == key["api_key"]


def test_only_the_key_handed_to_the_sinks_is_ever_revealed(run_tasks, emulator, project):
    ref = project["ref"]
    run_tasks(_rotate(ref), imports=IMPORTS)
    run_tasks(_rotate(ref), imports=IMPORTS, dag_suffix="_again")

    [key] = _own_keys(emulator, ref).values()
    revealed = [(r.method, r.path) for r in emulator.requests if r.query.get("reveal") == ["true"]]
    # The create answers the new key; the second run reads back the one key it hands over.
    assert revealed == [("POST", f"/v1/projects/{ref}/api-keys"), ("GET", f"/v1/projects/{ref}/api-keys/{key['id']}")]


@pytest.mark.one_minor
def test_a_replaced_key_is_deleted_only_once_its_grace_has_passed(run_tasks, emulator, project):
    ref = project["ref"]
    old = _seed_key(ref, "svc_202401010000")
    emulator.age_api_key(ref, old["id"], 10 * DAY)
    weekly = "timedelta(days=7)"

    first = run_tasks(_rotate(ref, min_interval=weekly), imports=IMPORTS)
    assert first.xcom("rotate")["step"] == "rotated" and first.xcom("rotate")["deleted"] == []
    assert "svc_202401010000" in _own_keys(emulator, ref)

    emulator.age_api_key(ref, first.xcom("rotate")["key_id"], 25 * 3600)
    second = run_tasks(_rotate(ref, min_interval=weekly), imports=IMPORTS, dag_suffix="_after_grace")

    assert second.xcom("rotate")["step"] == "kept"
    assert second.xcom("rotate")["deleted"] == ["svc_202401010000"]
    assert list(_own_keys(emulator, ref)) == [first.xcom("rotate")["key"]]
    [deleted] = emulator.state_snapshot()["projects"][ref]["deleted_api_keys"]
    assert (deleted["was_compromised"], deleted["reason"]) == (False, "rotating_key")


@pytest.mark.one_minor
def test_keys_of_other_prefixes_and_the_project_defaults_are_never_touched(run_tasks, emulator, project):
    ref = project["ref"]
    for name in ("other_202401010000", "svc_extra_202401010000", "svcx_202401010000"):
        emulator.age_api_key(ref, _seed_key(ref, name)["id"], 30 * DAY)
    before = {k["id"] for k in emulator.state_snapshot()["projects"][ref]["api_keys"]}

    run_tasks(_rotate(ref, was_compromised=True, reason="'leaked'"), imports=IMPORTS)

    after = {k["id"] for k in emulator.state_snapshot()["projects"][ref]["api_keys"]}
    assert before <= after and len(after - before) == 1


@pytest.mark.one_minor
def test_a_compromised_rotation_replaces_the_key_and_revokes_every_older_one_at_once(run_tasks, emulator, project):
    ref = project["ref"]
    oldest = _seed_key(ref, "svc_202401010000")
    emulator.age_api_key(ref, oldest["id"], 3 * DAY)
    young = _seed_key(ref, "svc_202401020000")  # a few seconds old: without the compromise it would be kept

    result = run_tasks(_rotate(ref, was_compromised=True, reason="'found in a paste'"), imports=IMPORTS)

    assert result.xcom("rotate")["step"] == "rotated"
    assert sorted(result.xcom("rotate")["deleted"]) == ["svc_202401010000", "svc_202401020000"]
    assert list(_own_keys(emulator, ref)) == [result.xcom("rotate")["key"]]
    deletes = emulator.state_snapshot()["projects"][ref]["deleted_api_keys"]
    assert {(d["id"], d["was_compromised"], d["reason"]) for d in deletes} == {
        (oldest["id"], True, "found in a paste"),
        (young["id"], True, "found in a paste"),
    }


def test_the_new_key_reaches_the_function_secrets_of_every_project(run_tasks, emulator, org, project):
    ref, other = project["ref"], emulator.seed_project("acme-staging", org["slug"])["ref"]
    sink = f"[FunctionSecretsSink('SERVICE_KEY', [{ref!r}, {other!r}]), VariableSink('svc_key')]"

    result = run_tasks(_rotate(ref, sinks=sink), imports=IMPORTS)

    [key] = _own_keys(emulator, ref).values()
    secrets = emulator.state_snapshot()["secrets"]
    assert secrets[ref]["SERVICE_KEY"]["value"] == key["api_key"] == secrets[other]["SERVICE_KEY"]["value"]
    assert result.xcom("rotate")["sinks"][0] == f"function secret SERVICE_KEY of {ref}, {other}"
    assert_never_leaked(result, key["api_key"])


def test_sink_names_and_refs_are_templated(run_tasks, emulator, project, monkeypatch):
    ref = project["ref"]
    monkeypatch.setenv("AIRFLOW_VAR_ROTATION_PROJECT", ref)
    sinks = (
        "[FunctionSecretsSink('{{ params.secret }}', ['{{ var.value.rotation_project }}']), "
        "VariableSink('{{ params.secret | lower }}')]"
    )

    result = run_tasks(
        _rotate("{{ var.value.rotation_project }}", sinks=sinks), imports=IMPORTS, params={"secret": "SVC_KEY"}
    )

    [key] = _own_keys(emulator, ref).values()
    assert emulator.state_snapshot()["secrets"][ref]["SVC_KEY"]["value"] == key["api_key"]
    assert _variable("svc_key") == key["api_key"]
    assert result.xcom("rotate")["sinks"] == [f"function secret SVC_KEY of {ref}", "Variable svc_key"]


def test_a_crash_between_create_and_delete_is_finished_by_the_retry_without_a_second_key(
    run_tasks, emulator, project, tmp_path
):
    ref = project["ref"]
    old = _seed_key(ref, "svc_202401010000")
    emulator.age_api_key(ref, old["id"], 10 * DAY)
    marker, received = tmp_path / "crashed", tmp_path / "received"
    sink_code = f"""
def deliver(value, stage):
    from pathlib import Path
    import hashlib
    if not Path({str(marker)!r}).exists():
        Path({str(marker)!r}).write_text("once")
        raise RuntimeError("the sink's backend is down")
    Path({str(received)!r}).write_text(hashlib.sha256(value.encode()).hexdigest())
"""
    result = run_tasks(
        _rotate(ref, sinks="[VariableSink('svc_key'), CallableSink(deliver)]", retries=1, retry_delay="timedelta(0)"),
        imports=IMPORTS + sink_code,
    )

    assert result.state == "success" and result.try_numbers["rotate"] == 2
    keys = _own_keys(emulator, ref)
    assert len(keys) == 2 and "svc_202401010000" in keys  # one new key; the old one within its grace
    [new] = [k for name, k in keys.items() if name != "svc_202401010000"]
    assert result.xcom("rotate")["step"] == "kept" and result.xcom("rotate")["key"] == new["name"]
    assert _variable("svc_key") == new["api_key"] and received.read_text() == _sha(new["api_key"])


@pytest.mark.one_minor
def test_a_sink_that_does_not_hold_the_key_stops_the_deletes(run_tasks, emulator, project):
    ref = project["ref"]
    old = _seed_key(ref, "svc_202401010000")
    emulator.age_api_key(ref, old["id"], 10 * DAY)
    sinks = "[CallableSink(lambda value, stage: None, holds=lambda value, stage: False, name='vault')]"

    result = run_tasks(_rotate(ref, sinks=sinks, grace_period="timedelta(seconds=1)"), imports=IMPORTS)

    assert result.task_states["rotate"] == "failed"
    assert "callable vault does not hold the new value" in result.log
    assert "svc_202401010000" in _own_keys(emulator, ref)
    assert emulator.state_snapshot()["projects"][ref]["deleted_api_keys"] == []


# ------------------------------------------------------------------------------------------- signing keys


def _signing(emulator, ref: str) -> dict[str, str]:
    return {k["id"]: k["status"] for k in emulator.state_snapshot()["projects"][ref]["signing_keys"]}


def _age_all(emulator, ref: str, seconds: float) -> None:
    for key_id in _signing(emulator, ref):
        emulator.age_signing_key(ref, key_id, seconds)


def test_the_signing_key_cycle_takes_one_step_per_run_from_the_legacy_secret(run_tasks, emulator, project):
    ref = project["ref"]
    task = (
        f"RotateSigningKeyOperator(task_id='cycle', project_ref={ref!r}, delete_after=timedelta(days=7), "
        "revoke_legacy=True)"
    )
    steps, in_use_seen = [], []

    def run(label: str) -> dict:
        result = run_tasks(task, imports=IMPORTS, dag_suffix=f"_{label}")
        xcom = result.xcom("cycle")
        steps.append(xcom["step"])
        in_use_seen.append(xcom["in_use"])
        # The key in use is always there and in use after every step.
        assert _signing(emulator, ref)[xcom["in_use"]] == "in_use"
        return xcom

    legacy = run("import")["key_id"]
    standby = run("create")["key_id"]
    run("same_day")
    _age_all(emulator, ref, 2 * DAY)
    run("promote")
    assert _signing(emulator, ref) == {legacy: "previously_used", standby: "in_use"}
    _age_all(emulator, ref, 2 * DAY)
    run("revoke")
    _age_all(emulator, ref, 8 * DAY)
    run("delete")

    assert steps == ["import_legacy", "create_standby", "wait", "promote", "revoke", "delete"]
    assert in_use_seen == [legacy, legacy, legacy, standby, standby, standby]
    assert _signing(emulator, ref) == {standby: "in_use"}


@pytest.mark.one_minor
def test_the_legacy_secret_is_retired_but_not_revoked_unless_asked(run_tasks, emulator, project):
    ref = project["ref"]
    hook = SupabaseHook()
    legacy = hook.create_legacy_signing_key(ref)["id"]
    standby = hook.create_signing_key(ref, "ES256")["id"]
    hook.update_signing_key(ref, standby, "in_use")
    hook.close()
    _age_all(emulator, ref, 30 * DAY)

    result = run_tasks(f"RotateSigningKeyOperator(task_id='cycle', project_ref={ref!r})", imports=IMPORTS)

    assert result.xcom("cycle")["step"] == "create_standby"
    assert _signing(emulator, ref)[legacy] == "previously_used"


@pytest.mark.one_minor
def test_without_the_legacy_secret_the_cycle_starts_with_a_standby_key(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(
        f"RotateSigningKeyOperator(task_id='cycle', project_ref={ref!r}, algorithm='EdDSA', from_legacy=False)",
        imports=IMPORTS,
    )

    assert result.xcom("cycle")["step"] == "create_standby"
    [key] = emulator.state_snapshot()["projects"][ref]["signing_keys"]
    assert (key["algorithm"], key["status"]) == ("EdDSA", "standby")


# ------------------------------------------------------------------------------------------------ password


def _password_task(ref: str, sinks: str = "[VariableSink('db_password')]", **kwargs) -> str:
    extra = "".join(f", {k}={v}" for k, v in kwargs.items())
    return f"RotateDatabasePasswordOperator(task_id='password', project_ref={ref!r}, sinks={sinks}{extra})"


def test_the_new_password_is_current_in_every_sink_and_never_shown(run_tasks, emulator, org, project):
    ref = project["ref"]
    sinks = f"[FunctionSecretsSink('DB_PASSWORD', [{ref!r}]), VariableSink('db_password')]"

    result = run_tasks(_password_task(ref, sinks), imports=IMPORTS)

    state = emulator.state_snapshot()
    password = state["projects"][ref]["db_pass"]
    assert len(password) == 32 and state["projects"][ref]["password_changes"] == 1
    assert _variable("db_password") == password and _variable("db_password_pending") is None
    assert state["secrets"][ref]["DB_PASSWORD"]["value"] == password
    assert "DB_PASSWORD_PENDING" not in state["secrets"][ref]
    assert result.xcom("password") == {
        "project_ref": ref,
        "step": "rotated",
        "sinks": [f"function secret DB_PASSWORD of {ref}", "Variable db_password"],
    }
    assert_never_leaked(result, password)


def _flaky_sink(marker, stage: str) -> str:
    return f"""
def deliver(value, stage):
    from pathlib import Path
    if stage == {stage!r} and not Path({str(marker)!r}).exists():
        Path({str(marker)!r}).write_text("once")
        raise RuntimeError("the sink's backend is down")
"""


def test_a_crash_after_the_change_is_finished_by_the_retry_with_the_same_password(
    run_tasks, emulator, project, tmp_path
):
    ref = project["ref"]

    result = run_tasks(
        _password_task(
            ref, "[CallableSink(deliver), VariableSink('db_password')]", retries=1, retry_delay="timedelta(0)"
        ),
        imports=IMPORTS + _flaky_sink(tmp_path / "crashed", "current"),
    )

    assert result.state == "success" and result.try_numbers["password"] == 2
    project_state = emulator.state_snapshot()["projects"][ref]
    # The first try changed the password and died; the retry set the very same one again.
    assert project_state["password_changes"] == 2
    assert [r.json for r in emulator.requests if r.method == "PATCH"] == [{"password": project_state["db_pass"]}] * 2
    assert _variable("db_password") == project_state["db_pass"] and _variable("db_password_pending") is None
    assert result.xcom("password")["step"] == "resumed"


def test_a_crash_before_the_change_leaves_the_database_alone_and_the_retry_resumes(
    run_tasks, emulator, project, tmp_path
):
    ref = project["ref"]
    before = emulator.state_snapshot()["projects"][ref]["db_pass"]

    result = run_tasks(
        _password_task(
            ref, "[VariableSink('db_password'), CallableSink(deliver)]", retries=1, retry_delay="timedelta(0)"
        ),
        imports=IMPORTS + _flaky_sink(tmp_path / "crashed", "pending"),
    )

    assert result.state == "success" and result.try_numbers["password"] == 2
    project_state = emulator.state_snapshot()["projects"][ref]
    assert project_state["password_changes"] == 1 and project_state["db_pass"] != before
    assert _variable("db_password") == project_state["db_pass"]
    assert result.xcom("password")["step"] == "resumed"


# ------------------------------------------------------------------------------------------------ bad input

BAD_OPERATORS = {
    "empty prefix": (
        lambda ref: RotateApiKeyOperator(task_id="t", project_ref=ref, name_prefix="", sinks=[VariableSink("k")]),
        "name_prefix",
    ),
    "prefix with capitals": (
        lambda ref: RotateApiKeyOperator(task_id="t", project_ref=ref, name_prefix="Svc", sinks=[VariableSink("k")]),
        "name_prefix",
    ),
    "prefix with a dash": (
        lambda ref: RotateApiKeyOperator(task_id="t", project_ref=ref, name_prefix="my-svc", sinks=[VariableSink("k")]),
        "name_prefix",
    ),
    "prefix too long": (
        lambda ref: RotateApiKeyOperator(task_id="t", project_ref=ref, name_prefix="s" * 52, sinks=[VariableSink("k")]),
        "name_prefix",
    ),
    "zero grace period": (
        lambda ref: RotateApiKeyOperator(
            task_id="t", project_ref=ref, name_prefix="svc", sinks=[VariableSink("k")], grace_period=timedelta(0)
        ),
        "grace_period",
    ),
    "no sinks": (lambda ref: RotateApiKeyOperator(task_id="t", project_ref=ref, name_prefix="svc", sinks=[]), "sinks"),
    "reserved secret name": (
        lambda ref: RotateApiKeyOperator(
            task_id="t", project_ref=ref, name_prefix="svc", sinks=[FunctionSecretsSink("SUPABASE_KEY", [ref])]
        ),
        "FunctionSecretsSink.name",
    ),
    "sink refs as text": (
        lambda ref: RotateApiKeyOperator(
            task_id="t", project_ref=ref, name_prefix="svc", sinks=[FunctionSecretsSink("KEY", ref)]
        ),
        "FunctionSecretsSink.project_refs",
    ),
    "variable key with a space": (
        lambda ref: RotateApiKeyOperator(
            task_id="t", project_ref=ref, name_prefix="svc", sinks=[VariableSink("my key")]
        ),
        "VariableSink.key",
    ),
    "unknown algorithm": (
        lambda ref: RotateSigningKeyOperator(task_id="t", project_ref=ref, algorithm="HS512"),
        "algorithm",
    ),
    "negative standby period": (
        lambda ref: RotateSigningKeyOperator(task_id="t", project_ref=ref, standby_period=timedelta(hours=-1)),
        "standby_period",
    ),
    "password below the floor": (
        lambda ref: RotateDatabasePasswordOperator(task_id="t", project_ref=ref, sinks=[VariableSink("k")], length=8),
        "length",
    ),
    "no sink that can read back": (
        lambda ref: RotateDatabasePasswordOperator(task_id="t", project_ref=ref, sinks=[CallableSink(print)]),
        "sinks",
    ),
    "bad ref": (
        lambda ref: RotateDatabasePasswordOperator(task_id="t", project_ref="abc", sinks=[VariableSink("k")]),
        "project_ref",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_OPERATORS))
def test_bad_input_is_refused_before_any_request(emulator, project, case):
    build, field = BAD_OPERATORS[case]
    operator = build(project["ref"])

    with pytest.raises(SupabaseInputError) as raised:
        operator.execute({})

    assert raised.value.field == field
    assert emulator.request_count() == 0


def test_a_bad_input_fails_the_task_without_a_retry(run_tasks, emulator, project):
    ref = project["ref"]

    result = run_tasks(
        f"RotateApiKeyOperator(task_id='rotate', project_ref={ref!r}, name_prefix='Bad Prefix', "
        "sinks=[VariableSink('k')], retries=2, retry_delay=timedelta(0))",
        imports=IMPORTS,
    )

    assert result.task_states["rotate"] == "failed" and result.try_numbers["rotate"] == 1
    assert "Invalid name_prefix" in result.log
    assert emulator.request_count() == 0
