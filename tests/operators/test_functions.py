"""DeployFunctionOperator and DeleteFunctionOperator in real DAG runs against the emulator."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators.functions import DeployFunctionOperator

IMPORTS = "from airflow_provider_supabase.operators.functions import DeleteFunctionOperator, DeployFunctionOperator"


@pytest.fixture
def function_dir(tmp_path):
    root = tmp_path / "hello"
    (root / "lib").mkdir(parents=True)
    (root / "index.ts").write_text("import { greet } from './lib/greet.ts'\nDeno.serve(() => greet())\n")
    (root / "lib" / "greet.ts").write_text("export const greet = () => new Response('hi')\n")
    return root


def _deploy(ref: str, task_id: str = "deploy", **extra) -> str:
    return f"DeployFunctionOperator(**{dict(task_id=task_id, project_ref=ref, slug='hello', **extra)!r})"


def _deployed(emulator, ref: str) -> dict:
    return emulator.state_snapshot()["functions"][ref]


def test_deploys_a_directory_with_its_relative_paths(run_tasks, emulator, project, function_dir):
    ref = project["ref"]

    result = run_tasks(_deploy(ref, source_dir=str(function_dir)), imports=IMPORTS)

    stored = _deployed(emulator, ref)["hello"]
    assert result.xcom("deploy") == {
        "slug": "hello",
        "id": stored["id"],
        "version": 1,
        "status": "ACTIVE",
        "deployed": True,
    }
    assert sorted(stored["files"]) == ["index.ts", "lib/greet.ts"]
    assert stored["verify_jwt"] is True and stored["entrypoint_path"] == "index.ts"


def test_unchanged_directory_is_not_deployed_again(run_tasks, emulator, project, function_dir):
    ref = project["ref"]
    source = str(function_dir)
    tasks = f"{_deploy(ref, 'first', source_dir=source)} >> {_deploy(ref, 'again', source_dir=source)}"

    result = run_tasks(tasks, imports=IMPORTS)

    assert result.xcom("first")["deployed"] is True
    assert result.xcom("again") == {**result.xcom("first"), "deployed": False}
    assert emulator.request_count("POST", f"/v1/projects/{ref}/functions/deploy") == 1
    assert "unchanged" in result.log and "skipping the deploy" in result.log


def test_changed_file_is_deployed_as_a_new_version(run_tasks, emulator, hook, project, function_dir):
    ref = project["ref"]
    hook.deploy_function(ref, "hello", {"index.ts": "old source"})

    result = run_tasks(_deploy(ref, source_dir=str(function_dir)), imports=IMPORTS)

    assert result.xcom("deploy")["deployed"] is True and result.xcom("deploy")["version"] == 2
    assert "greet" in _deployed(emulator, ref)["hello"]["files"]["index.ts"]


def test_changed_verify_jwt_alone_triggers_a_deploy(run_tasks, emulator, project, function_dir):
    ref = project["ref"]
    first = _deploy(ref, "first", source_dir=str(function_dir))
    tasks = f"{first} >> {_deploy(ref, 'open', source_dir=str(function_dir), verify_jwt=False)}"

    result = run_tasks(tasks, imports=IMPORTS)

    assert result.xcom("open")["deployed"] is True and result.xcom("open")["version"] == 2
    assert _deployed(emulator, ref)["hello"]["verify_jwt"] is False


def test_listed_files_deploy_relative_to_their_common_directory(run_tasks, emulator, project, function_dir):
    files = [str(function_dir / "index.ts"), str(function_dir / "lib" / "greet.ts")]

    result = run_tasks(_deploy(project["ref"], files=files, name="Hello"), imports=IMPORTS)

    stored = _deployed(emulator, project["ref"])["hello"]
    assert result.xcom("deploy")["deployed"] is True
    assert sorted(stored["files"]) == ["index.ts", "lib/greet.ts"] and stored["name"] == "Hello"


def test_listed_files_deploy_relative_to_base_dir(run_tasks, emulator, project, function_dir):
    args = {"files": ["hello/index.ts", "hello/lib/greet.ts"], "base_dir": str(function_dir.parent)}

    result = run_tasks(_deploy(project["ref"], entrypoint_path="hello/index.ts", **args), imports=IMPORTS)

    assert result.xcom("deploy")["deployed"] is True
    assert sorted(_deployed(emulator, project["ref"])["hello"]["files"]) == ["hello/index.ts", "hello/lib/greet.ts"]


def test_inline_body_creates_then_updates_the_slug(run_tasks, emulator, project):
    ref = project["ref"]
    first = _deploy(ref, "create", body="Deno.serve(() => new Response('v1'))", verify_jwt=False)
    tasks = f"{first} >> {_deploy(ref, 'update', body='Deno.serve(() => new Response(`v2`))', verify_jwt=False)}"

    result = run_tasks(tasks, imports=IMPORTS)

    assert (result.xcom("create")["version"], result.xcom("update")["version"]) == (1, 2)
    stored = _deployed(emulator, ref)["hello"]
    assert "v2" in stored["body"] and stored["verify_jwt"] is False and stored["name"] == "hello"
    assert emulator.request_count("POST", f"/v1/projects/{ref}/functions") == 1
    assert emulator.request_count("PATCH", f"/v1/projects/{ref}/functions/hello") == 1


def test_unchanged_inline_body_is_skipped(run_tasks, emulator, hook, project):
    ref = project["ref"]
    hook.create_function(ref, "hello", "hello", "Deno.serve(() => new Response('v1'))", verify_jwt=True)

    result = run_tasks(_deploy(ref, body="Deno.serve(() => new Response('v1'))"), imports=IMPORTS)

    assert result.xcom("deploy")["deployed"] is False and result.xcom("deploy")["version"] == 1
    assert emulator.request_count("PATCH") == 0


def test_mapped_deploys_one_function_per_slug(run_tasks, emulator, project):
    tasks = f"""
    DeployFunctionOperator.partial(task_id="deploy", project_ref={project["ref"]!r}, body="export {{}}").expand(
        slug=["alpha", "beta"]
    )
    """

    result = run_tasks(tasks, imports=IMPORTS)

    assert [x["slug"] for x in result.mapped_xcoms("deploy")] == ["alpha", "beta"]
    assert sorted(_deployed(emulator, project["ref"])) == ["alpha", "beta"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"source_dir": "/no/such/dir"}, "source_dir"),
        ({"source_dir": "{dir}", "entrypoint_path": "main.ts"}, "entrypoint_path"),
        ({"source_dir": "{dir}", "import_map_path": "deno.json"}, "import_map_path"),
        ({"source_dir": "{dir}", "body": "export {}"}, "source_dir / files / body"),
        ({}, "source_dir / files / body"),
        ({"files": ["/no/such/file.ts"]}, "files"),
        ({"files": "{dir}/index.ts"}, "files"),
        ({"body": "export {}", "slug": "bad slug!"}, "slug"),
        ({"body": "   "}, "body"),
        ({"body": "export {}", "project_ref": "not-a-ref"}, "project_ref"),
    ],
)
def test_bad_input_is_refused_before_any_request(emulator, project, function_dir, kwargs, field):
    args = {"project_ref": project["ref"], "slug": "hello"}
    args.update({k: v.replace("{dir}", str(function_dir)) if isinstance(v, str) else v for k, v in kwargs.items()})
    op = DeployFunctionOperator(task_id="deploy", **args)

    with pytest.raises(SupabaseInputError) as err:
        op.execute({})

    assert err.value.field == field
    assert emulator.request_count() == 0


def test_missing_directory_fails_the_task_with_its_path(run_tasks, emulator, project):
    result = run_tasks(_deploy(project["ref"], source_dir="/no/such/dir"), imports=IMPORTS)

    assert result.task_states["deploy"] == "failed"
    assert "Invalid source_dir: '/no/such/dir' does not exist" in result.log
    assert emulator.request_count() == 0


def test_deployed_ezbr_sha256_is_the_local_source_digest(emulator, hook, project):
    from airflow_provider_supabase.digest import body_digest, source_digest

    files = {"index.ts": b"console.log(1)", "lib/a.ts": b"\x00binary\xff", "z.json": b"{}"}
    deployed = hook.deploy_function(project["ref"], "multi", files)
    created = hook.create_function(project["ref"], "inline", "inline", "Deno.serve()")

    assert deployed["ezbr_sha256"] == source_digest(files)
    assert created["ezbr_sha256"] == body_digest("Deno.serve()")


def test_delete_removes_the_function(run_tasks, emulator, hook, project):
    hook.create_function(project["ref"], "hello", "hello", "export {}")

    result = run_tasks(
        f"DeleteFunctionOperator(task_id='delete', project_ref={project['ref']!r}, slug='hello')", imports=IMPORTS
    )

    assert result.xcom("delete") == {"slug": "hello", "deleted": True}
    assert _deployed(emulator, project["ref"]) == {}


def test_deleting_a_missing_function_succeeds_by_default(run_tasks, emulator, project):
    result = run_tasks(
        f"DeleteFunctionOperator(task_id='delete', project_ref={project['ref']!r}, slug='gone')", imports=IMPORTS
    )

    assert result.state == "success"
    assert result.xcom("delete") == {"slug": "gone", "deleted": False}


def test_deleting_a_missing_function_fails_when_missing_ok_is_false(run_tasks, emulator, project):
    tasks = f"DeleteFunctionOperator(task_id='delete', project_ref={project['ref']!r}, slug='gone', missing_ok=False)"

    result = run_tasks(tasks, imports=IMPORTS)

    assert result.task_states["delete"] == "failed"
    assert "404" in result.log
