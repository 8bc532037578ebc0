"""supabase_deploy_functions over two projects: the first deploy, a re-run with nothing changed, a re-run after
one file of one function changed, and a re-run after someone else deployed one function outside Airflow."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from airflow_provider_supabase.hooks.supabase import SupabaseHook

from .conftest import EXAMPLE_DAGS

DAG_ID = "supabase_deploy_functions"
SLUGS = ["hello-world", "send-welcome-email"]


def _versions(state, refs):
    return {(ref, slug): fn["version"] for ref in refs for slug, fn in state["functions"][ref].items()}


@pytest.fixture(scope="module")
def deployed(examples, tmp_path_factory):
    functions_dir = tmp_path_factory.mktemp("deploy") / "functions"
    shutil.copytree(EXAMPLE_DAGS / "functions", functions_dir)
    (functions_dir / "_shared").mkdir()
    (functions_dir / "_shared" / "index.ts").write_text("export const shared = true;\n")
    (functions_dir / "notes").mkdir()
    (functions_dir / "notes" / "README.md").write_text("Not a function: no index.ts.\n")

    emulator = examples.emulator
    org = emulator.seed_organization("Acme")
    refs = [emulator.seed_project(name, org["slug"])["ref"] for name in ("acme-eu", "acme-us")]
    conf = {"project_refs": refs, "functions_dir": str(functions_dir), "public_functions": ["hello-world"]}

    first = examples.run(DAG_ID, run_conf=conf)
    after_first = emulator.state_snapshot()
    mark = len(emulator.requests)
    unchanged = examples.run(DAG_ID, run_conf=conf)
    unchanged_mutations = examples.mutations_since(mark)
    template = functions_dir / "send-welcome-email" / "template.ts"
    template.write_text(template.read_text().replace("Welcome aboard", "Welcome"))
    one_changed = examples.run(DAG_ID, run_conf=conf)
    after_change = emulator.state_snapshot()
    # The same files, deployed by someone else (the CLI, say) to the first project only.
    hello = functions_dir / "hello-world"
    outside = SupabaseHook()
    outside.deploy_function(refs[0], "hello-world", {p.name: p.read_bytes() for p in hello.iterdir()}, verify_jwt=False)
    outside.close()
    mark = len(emulator.requests)
    after_outside = examples.run(DAG_ID, run_conf=conf)
    deploys_after_outside = [
        (r.path.split("/")[3], r.query["slug"][0])
        for r in emulator.requests[mark:]
        if r.method == "POST" and r.path.endswith("/functions/deploy")
    ]
    return SimpleNamespace(
        refs=refs,
        functions_dir=functions_dir,
        first=first,
        unchanged=unchanged,
        one_changed=one_changed,
        state=after_first,
        unchanged_mutations=unchanged_mutations,
        after_change=after_change,
        after_outside=after_outside,
        deploys_after_outside=deploys_after_outside,
    )


def test_every_function_is_deployed_to_every_project(deployed):
    assert deployed.first.state == "success"
    assert set(deployed.first.task_states.values()) == {"success"}
    assert _versions(deployed.state, deployed.refs) == {(ref, slug): 1 for ref in deployed.refs for slug in SLUGS}


def test_every_file_of_a_function_directory_is_uploaded(deployed):
    local = {p.name: p.read_text() for p in (EXAMPLE_DAGS / "functions" / "send-welcome-email").iterdir()}
    for ref in deployed.refs:
        assert deployed.state["functions"][ref]["send-welcome-email"]["files"] == local


def test_folders_starting_with_underscore_or_without_index_are_not_deployed(deployed):
    assert {slug for ref in deployed.refs for slug in deployed.state["functions"][ref]} == set(SLUGS)


def test_public_functions_skip_jwt_verification(deployed):
    for ref in deployed.refs:
        functions = deployed.state["functions"][ref]
        assert (functions["hello-world"]["verify_jwt"], functions["send-welcome-email"]["verify_jwt"]) == (False, True)


def test_the_last_task_lists_what_is_live(deployed):
    assert deployed.first.xcom("list_live_functions") == {
        ref: [{"slug": slug, "version": 1, "status": "ACTIVE"} for slug in SLUGS] for ref in deployed.refs
    }


def test_a_rerun_with_nothing_changed_deploys_nothing(deployed):
    assert deployed.unchanged.state == "success"
    assert deployed.unchanged_mutations == []
    assert [d["deployed"] for d in deployed.unchanged.mapped_xcoms("deploy")] == [False] * 4


def test_only_the_changed_function_is_redeployed(deployed):
    assert deployed.one_changed.state == "success"
    assert _versions(deployed.after_change, deployed.refs) == {
        (ref, slug): 2 if slug == "send-welcome-email" else 1 for ref in deployed.refs for slug in SLUGS
    }


def test_a_function_deployed_outside_airflow_is_deployed_again_by_the_next_run(deployed):
    assert deployed.after_outside.state == "success"
    assert deployed.deploys_after_outside == [(deployed.refs[0], "hello-world")]
