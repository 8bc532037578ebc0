"""Example DAG: deploy every Edge Function under a folder to one or more projects, then list what is live."""

from __future__ import annotations

from airflow.sdk import DAG, Param, task

from airflow_provider_supabase.operators.functions import DeployFunctionOperator

REF_PATTERN = "^[a-z]{20}$"
SLUG_PATTERN = "^[A-Za-z0-9_-]+$"
# Deploys at a time per run: a few parallel uploads, well under the Management API rate limit.
PARALLEL_DEPLOYS = 4

with DAG(
    dag_id="supabase_deploy_functions",
    description="Deploy every function directory to the given projects (unchanged ones skipped)",
    schedule=None,
    catchup=False,
    tags=["supabase", "example"],
    params={
        "project_refs": Param(
            type="array",
            items={"type": "string", "pattern": REF_PATTERN},
            minItems=1,
            uniqueItems=True,
            description="Refs of the projects to deploy to (required).",
        ),
        "functions_dir": Param(
            "functions",
            type="string",
            minLength=1,
            description="Folder holding one sub-folder per function; a relative path is relative to this DAG file.",
        ),
        "public_functions": Param(
            [],
            type="array",
            items={"type": "string", "pattern": SLUG_PATTERN},
            description="Slugs deployed without JWT verification (webhooks called by third parties).",
        ),
    },
    doc_md="""
### Deploy Edge Functions

Deploys every function under `functions_dir` to every project in `project_refs`: one mapped task per
(function, project). A function is a sub-folder with an `index.ts`; its slug is the folder name, and every
file in it is uploaded (so `index.ts` may import `./template.ts`). Folders starting with `_` or `.` are
skipped (shared code, tooling).

Each deploy skips the upload when the function's deploy record (the Variable
`supabase_deploy__<project_ref>__<slug>`, written after every deploy) shows that the same sources and settings
produced the version that is live, so re-running after a one-line change redeploys only that function, and a
deploy made outside Airflow in between is replaced on the next run. Delete a record to force its redeploy. The
last task lists the functions live on each project, with their versions.

Functions verify the caller's JWT unless their slug is in `public_functions`.

Trigger it with, for example:
```
airflow dags trigger supabase_deploy_functions -c '{"project_refs": ["abcdefghijklmnopqrst"]}'
```
""",
) as dag:

    @task
    def discover_functions(params: dict) -> list[dict]:
        """One deploy per (project, function directory); only paths go through XCom."""
        from pathlib import Path

        root = Path(params["functions_dir"])
        if not root.is_absolute():
            root = Path(__file__).parent / root
        if not root.is_dir():
            raise FileNotFoundError(f"functions_dir {str(root)!r} is not a directory")
        directories = sorted(
            d for d in root.iterdir() if d.is_dir() and d.name[0] not in "._" and (d / "index.ts").is_file()
        )
        if not directories:
            raise FileNotFoundError(f"No function directories (with an index.ts) under {str(root)!r}")
        print(f"Functions under {root}: {', '.join(d.name for d in directories)}")
        return [
            {
                "project_ref": ref,
                "slug": d.name,
                "source_dir": str(d),
                "verify_jwt": d.name not in params["public_functions"],
            }
            for ref in params["project_refs"]
            for d in directories
        ]

    deploy = DeployFunctionOperator.partial(
        task_id="deploy",
        max_active_tis_per_dagrun=PARALLEL_DEPLOYS,
        map_index_template="{{ task.slug }} -> {{ task.project_ref }}",
    ).expand_kwargs(discover_functions())

    @task
    def list_live_functions(params: dict, deploys: list[dict]) -> dict[str, list[dict]]:
        """Print and return what each project now serves: slug, version and status."""
        from airflow_provider_supabase.hooks.supabase import SupabaseHook

        # By index: iterating the lazy mapped results asks for one item past the end, which Airflow logs as an error.
        deployed = sum(1 for i in range(len(deploys)) if deploys[i]["deployed"])
        print(f"Deployed {deployed}, unchanged {len(deploys) - deployed}")
        live: dict[str, list[dict]] = {}
        hook = SupabaseHook()
        try:
            for ref in params["project_refs"]:
                functions = sorted(hook.list_functions(ref) or [], key=lambda f: f["slug"])
                live[ref] = [{"slug": f["slug"], "version": f["version"], "status": f["status"]} for f in functions]
                print(f"Project {ref}:")
                for f in live[ref]:
                    print(f"  {f['slug']:<30} v{f['version']:<4} {f['status']}")
        finally:
            hook.close()
        return live

    list_live_functions(deploys=deploy.output)
