"""The emulated preview branches and their action runs.

A mixin of ``State`` (same lock, same handler signature). Branching starts off on every project: its branch list
answers 422 until the first branch is created, which turns it on (with a default branch, the project itself).
A branch owns a project of its own that comes up over ``project_ready_seconds`` like any new project, and an
action run whose steps (clone, pull, health, configure, migrate, seed, deploy) advance over one and a half times
that, so the project reports ``ACTIVE_HEALTHY`` (and the branch's legacy ``status`` ``MIGRATIONS_PASSED``) before
the branch is usable. Merge, push and reset start workflow runs of their own; a reset also empties the branch's
database. ``plan_branch_failure`` makes a run's step end ``DEAD`` with a log; ``hold_branches`` keeps new branches
starting until ``release_branches``, for tests that must see a branch before it is ready.
"""

from __future__ import annotations

import re
import secrets as secrets_module
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.emulator.model import utc_now_iso
from airflow_provider_supabase.emulator.wire import ApiError, Call, Reply, json_reply, text_reply

if TYPE_CHECKING:
    from airflow_provider_supabase.emulator.model import Project

_REF = re.compile(r"^[a-z]{20}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")

WORKFLOW_STEPS: dict[str, tuple[str, ...]] = {
    "create": ("clone", "pull", "health", "configure", "migrate", "seed", "deploy"),
    "push": ("clone", "pull", "health", "configure", "migrate", "deploy"),
    "merge": ("clone", "pull", "health", "migrate", "deploy"),
    "reset": ("clone", "pull", "health", "configure", "migrate", "seed", "deploy"),
}
_STEP_LOG = {
    "clone": "Cloning the git repository",
    "pull": "Pulling service images",
    "health": "Waiting for the services to be healthy",
    "configure": "Configuring the project from config.toml",
    "migrate": "Applying migrations",
    "seed": "Seeding data",
    "deploy": "Deploying Edge Functions",
}
# A create's run takes longer than the branch's project does to come up: "ACTIVE_HEALTHY" is not "ready".
_CREATE_RUN_FACTOR = 1.5
# How long a delete without force waits before it takes effect (the API's grace period; never reached in tests).
DELETE_GRACE_SECONDS = 3600.0

CREATE_BRANCH: dict[str, Any] = {
    "type": "object",
    "properties": {
        "branch_name": {"type": "string", "minLength": 1},
        "git_branch": {"type": "string"},
        "is_default": {"type": "boolean"},
        "persistent": {"type": "boolean"},
        "region": {"type": "string"},
        "desired_instance_size": {"type": "string"},
        "release_channel": {"type": "string", "enum": ["internal", "alpha", "beta", "ga", "withdrawn", "preview"]},
        "postgres_engine": {"type": "string", "enum": ["15", "17", "17-oriole"]},
        "secrets": {"type": "object", "additionalProperties": {"type": "string"}},
        "with_data": {"type": "boolean"},
        "notify_url": {"type": "string"},
    },
    "required": ["branch_name"],
}
UPDATE_BRANCH: dict[str, Any] = {
    "type": "object",
    "properties": {
        "branch_name": {"type": "string", "minLength": 1},
        "git_branch": {"type": "string"},
        "reset_on_push": {"type": "boolean"},
        "persistent": {"type": "boolean"},
        "status": {"type": "string"},
        "request_review": {"type": "boolean"},
        "notify_url": {"type": "string"},
    },
}
BRANCH_ACTION: dict[str, Any] = {"type": "object", "properties": {"migration_version": {"type": "string"}}}


@dataclass
class ActionRun:
    id: str
    branch_id: str
    workflow: str
    steps: tuple[str, ...]
    duration_factor: float
    created_at: str
    started: float | None  # time.monotonic(); None while the branches are held
    dead_step: str | None = None
    dead_log: str = ""

    def step_statuses(self, ready_seconds: float) -> list[str]:
        """Each step's status now: the done ones EXITED, the current one RUNNING (or DEAD once its time is up if
        it is the planned failure), the rest CREATED."""
        count = len(self.steps)
        if self.started is None:
            return ["CREATED"] * count
        duration = ready_seconds * self.duration_factor
        elapsed = time.monotonic() - self.started
        done = count if duration <= 0 else min(count, int(elapsed / duration * count))
        statuses = []
        for index, name in enumerate(self.steps):
            if name == self.dead_step and index < done:
                statuses.append("DEAD")
                return statuses + ["CREATED"] * (count - index - 1)
            statuses.append("EXITED" if index < done else "RUNNING" if index == done else "CREATED")
        return statuses

    def view(self, ready_seconds: float) -> dict[str, Any]:
        # Timestamps stay those of the run's creation, so two reads of an unchanged run are equal.
        now = self.created_at
        steps = [
            {"name": name, "status": status, "created_at": self.created_at, "updated_at": now}
            for name, status in zip(self.steps, self.step_statuses(ready_seconds), strict=True)
        ]
        return {
            "id": self.id,
            "branch_id": self.branch_id,
            "run_steps": steps,
            "git_config": None,
            "workdir": None,
            "check_run_id": None,
            "created_at": self.created_at,
            "updated_at": now,
        }

    def logs(self, ready_seconds: float) -> str:
        lines = []
        for name, status in zip(self.steps, self.step_statuses(ready_seconds), strict=True):
            if status == "CREATED":
                break
            lines.append(f"[{name}] {_STEP_LOG[name]}")
            if status == "EXITED":
                lines.append(f"[{name}] done")
            elif status == "DEAD":
                lines.extend(f"[{name}] {line}" for line in self.dead_log.splitlines())
                lines.append(f"[{name}] exited with an error")
        return "\n".join(lines) + ("\n" if lines else "")


@dataclass
class Branch:
    id: str
    name: str
    parent_ref: str
    project_ref: str
    is_default: bool
    persistent: bool
    with_data: bool
    created_at: str
    updated_at: str
    git_branch: str | None = None
    notify_url: str | None = None
    review_requested_at: str | None = None
    deletion_scheduled_at: str | None = None
    runs: list[ActionRun] = field(default_factory=list)


class BranchHandlers:
    """Handlers and test controls mixed into ``State``."""

    projects: dict[str, Project]
    project_ready_seconds: float
    deleted: list[str]
    branches: dict[str, Branch]
    branching: set[str]
    branch_plans: dict[tuple[str, str], tuple[str, str]]
    branches_held: bool

    if TYPE_CHECKING:  # provided by State

        def _project(self, call: Call) -> Project: ...

        def project_status(self, project: Project) -> str: ...

        def _create_project(
            self, name: str, organization_slug: str, region: str, db_pass: str, **extra: Any
        ) -> Project: ...

        @classmethod
        def _json(cls, call: Call, schema: dict[str, Any]) -> Any: ...

        def _new_id(self) -> str: ...

    # ------------------------------------------------------------------ helpers

    def _branch_of_project(self, ref: str) -> Branch | None:
        for branch in self.branches.values():
            if branch.project_ref == ref and not branch.is_default:
                return branch
        return None

    def _parent(self, call: Call) -> Project:
        """The project of ``{ref}``, which must not be a branch's own (the API answers 403 for those)."""
        project = self._project(call)
        if self._branch_of_project(project.ref) is not None:
            raise ApiError(403, "This project is a preview branch: use its parent project's ref")
        return project

    def _branch(self, call: Call) -> Branch:
        key = call.params["branch_id_or_ref"]
        if _UUID.fullmatch(key):
            branch = self.branches.get(key.lower())
        elif _REF.fullmatch(key):
            branch = next((b for b in self.branches.values() if b.project_ref == key and not b.is_default), None)
            if branch is None:
                branch = next((b for b in self.branches.values() if b.project_ref == key), None)
        else:
            raise ApiError(400, f"Invalid branch id or ref {key!r}: expected a UUID or 20 lowercase letters")
        if branch is None:
            raise ApiError(404, "Branch not found")
        return branch

    def _branch_view(self, branch: Branch) -> dict[str, Any]:
        project = self.projects.get(branch.project_ref)
        status = self.project_status(project) if project is not None else "REMOVED"
        view: dict[str, Any] = {
            "id": branch.id,
            "name": branch.name,
            "project_ref": branch.project_ref,
            "parent_project_ref": branch.parent_ref,
            "is_default": branch.is_default,
            "persistent": branch.persistent,
            "status": self._legacy_status(branch, status),
            "created_at": branch.created_at,
            "updated_at": branch.updated_at,
            "with_data": branch.with_data,
            "preview_project_status": status,
        }
        for name in ("git_branch", "notify_url", "review_requested_at", "deletion_scheduled_at"):
            value = getattr(branch, name)
            if value is not None:
                view[name] = value
        return view

    def _legacy_status(self, branch: Branch, project_status: str) -> str:
        # The deprecated field the issue warns about: MIGRATIONS_PASSED as soon as the project is up, whatever
        # the run is still doing.
        run = branch.runs[-1] if branch.runs else None
        statuses = run.step_statuses(self.project_ready_seconds) if run is not None else []
        if "DEAD" in statuses:
            assert run is not None
            dead = run.steps[statuses.index("DEAD")]
            return "FUNCTIONS_FAILED" if dead == "deploy" else "MIGRATIONS_FAILED"
        if statuses and all(s == "EXITED" for s in statuses):
            return "FUNCTIONS_DEPLOYED"
        if project_status == "ACTIVE_HEALTHY" or branch.is_default:
            return "MIGRATIONS_PASSED"
        return "CREATING_PROJECT" if project_status in ("UNKNOWN", "COMING_UP") else "RUNNING_MIGRATIONS"

    def _start_run(self, branch: Branch, workflow: str) -> ActionRun:
        dead = self.branch_plans.pop((branch.name, workflow), None) or self.branch_plans.pop(("*", workflow), None)
        run = ActionRun(
            id=f"run_{secrets_module.token_hex(12)}",
            branch_id=branch.id,
            workflow=workflow,
            steps=WORKFLOW_STEPS[workflow],
            duration_factor=_CREATE_RUN_FACTOR if workflow == "create" else 1.0,
            created_at=utc_now_iso(),
            started=None if self.branches_held else time.monotonic(),
            dead_step=dead[0] if dead else None,
            dead_log=dead[1] if dead else "",
        )
        branch.runs.append(run)
        return run

    def _enable_branching(self, parent: Project) -> None:
        if parent.ref in self.branching:
            return
        self.branching.add(parent.ref)
        now = utc_now_iso()
        default = Branch(
            id=str(uuid.uuid4()),
            name="main",
            parent_ref=parent.ref,
            project_ref=parent.ref,
            is_default=True,
            persistent=True,
            with_data=False,
            created_at=now,
            updated_at=now,
        )
        self.branches[default.id] = default

    def _drop_branch(self, branch: Branch) -> None:
        del self.branches[branch.id]
        if not branch.is_default and self.projects.pop(branch.project_ref, None) is not None:
            self.deleted.append(branch.project_ref)

    def drop_branches_of(self, ref: str) -> None:
        """Forget the branches of a deleted parent project, and the branch a deleted branch project was."""
        for branch in [b for b in self.branches.values() if ref in (b.parent_ref, b.project_ref)]:
            self._drop_branch(branch)
        self.branching.discard(ref)

    def _run_of(self, call: Call) -> tuple[Project, ActionRun]:
        project = self._project(call)
        run_id = call.params["run_id"]
        if not _RUN_ID.fullmatch(run_id):
            raise ApiError(400, f"Invalid run id {run_id!r}")
        for branch in self.branches.values():
            if branch.project_ref == project.ref:
                for run in branch.runs:
                    if run.id == run_id:
                        return project, run
        raise ApiError(404, "Action run not found")

    # ----------------------------------------------------------------- branches

    def list_branches(self, call: Call) -> Reply:
        parent = self._parent(call)
        if parent.ref not in self.branching:
            raise ApiError(422, "Preview branching is not enabled for this project")
        found = [self._branch_view(b) for b in self.branches.values() if b.parent_ref == parent.ref]
        return json_reply(200, found)

    def create_branch(self, call: Call) -> Reply:
        parent = self._parent(call)
        body = self._json(call, CREATE_BRANCH)
        name = body["branch_name"]
        if any(b.parent_ref == parent.ref and b.name == name for b in self.branches.values()):
            raise ApiError(409, f"A branch named {name} already exists")
        with_data = bool(body.get("with_data", False))
        if with_data and (parent.plan or "free") == "free":
            raise ApiError(400, "Branching with data is not available on the free plan: upgrade to a paid plan")
        self._enable_branching(parent)
        project = self._create_project(
            name,
            parent.organization_slug,
            body.get("region", parent.region),
            secrets_module.token_urlsafe(24),
            plan=parent.plan,
            desired_instance_size=body.get("desired_instance_size"),
        )
        project.secrets.update({k: _secret(v) for k, v in (body.get("secrets") or {}).items()})
        if self.branches_held:
            project.forced_status = "COMING_UP"
        now = utc_now_iso()
        branch = Branch(
            id=str(uuid.uuid4()),
            name=name,
            parent_ref=parent.ref,
            project_ref=project.ref,
            is_default=False,
            persistent=bool(body.get("persistent", False)),
            with_data=with_data,
            created_at=now,
            updated_at=now,
            git_branch=body.get("git_branch"),
            notify_url=body.get("notify_url"),
        )
        self.branches[branch.id] = branch
        self._start_run(branch, "create")
        return json_reply(201, self._branch_view(branch))

    def disable_branching(self, call: Call) -> Reply:
        parent = self._parent(call)
        for branch in [b for b in self.branches.values() if b.parent_ref == parent.ref]:
            self._drop_branch(branch)
        self.branching.discard(parent.ref)
        return json_reply(200, {})

    def get_branch_by_name(self, call: Call) -> Reply:
        parent = self._parent(call)
        if parent.ref not in self.branching:
            raise ApiError(422, "Preview branching is not enabled for this project")
        name = call.params["name"]
        for branch in self.branches.values():
            if branch.parent_ref == parent.ref and branch.name == name:
                return json_reply(200, self._branch_view(branch))
        raise ApiError(404, "Branch not found")

    def get_branch_config(self, call: Call) -> Reply:
        branch = self._branch(call)
        project = self.projects.get(branch.project_ref)
        if project is None:
            raise ApiError(404, "Branch not found")
        return json_reply(
            200,
            {
                "ref": project.ref,
                "postgres_version": "17.4.1.054",
                "postgres_engine": "17",
                "release_channel": "ga",
                "status": self.project_status(project),
                "db_host": f"db.{project.ref}.supabase.co",
                "db_port": 5432,
                "db_user": "postgres",
                "db_pass": project.db_pass,
                "jwt_secret": project.postgrest_config.get("jwt_secret", ""),
            },
        )

    def update_branch(self, call: Call) -> Reply:
        branch = self._branch(call)
        body = self._json(call, UPDATE_BRANCH)
        if "branch_name" in body and body["branch_name"] != branch.name:
            taken = any(
                b.parent_ref == branch.parent_ref and b.name == body["branch_name"] for b in self.branches.values()
            )
            if taken:
                raise ApiError(409, f"A branch named {body['branch_name']} already exists")
            branch.name = body["branch_name"]
        for key in ("git_branch", "notify_url"):
            if key in body:
                setattr(branch, key, body[key])
        if "persistent" in body:
            branch.persistent = body["persistent"]
        if body.get("request_review"):
            branch.review_requested_at = utc_now_iso()
        branch.updated_at = utc_now_iso()
        return json_reply(200, self._branch_view(branch))

    def delete_branch(self, call: Call) -> Reply:
        branch = self._branch(call)
        if branch.is_default:
            raise ApiError(400, "The default branch cannot be deleted; disable branching instead")
        raw = call.query_value("force")
        force = True if raw is None else raw.strip().lower() in ("true", "1")
        if raw is not None and raw.strip().lower() not in ("true", "1", "false", "0"):
            raise ApiError(400, "Invalid query parameter force: expected true or false")
        if force:
            self._drop_branch(branch)
        else:
            scheduled = time.time() + DELETE_GRACE_SECONDS
            branch.deletion_scheduled_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(scheduled))
        return json_reply(200, {"message": "ok"})

    def restore_branch(self, call: Call) -> Reply:
        branch = self._branch(call)
        if branch.deletion_scheduled_at is None:
            raise ApiError(400, "Branch is not scheduled for deletion")
        branch.deletion_scheduled_at = None
        return json_reply(200, {"message": "Branch restoration initiated"})

    def _workflow(self, call: Call, workflow: str) -> Reply:
        branch = self._branch(call)
        if branch.is_default:
            raise ApiError(400, f"The default branch cannot be {workflow}d")
        if call.body.strip():
            self._json(call, BRANCH_ACTION)
        run = self._start_run(branch, workflow)
        if workflow == "reset":
            # The gateway drops the branch's database; the next query starts from an empty one.
            self.deleted.append(branch.project_ref)
        return json_reply(201, {"workflow_run_id": run.id, "message": "ok"})

    def push_branch(self, call: Call) -> Reply:
        return self._workflow(call, "push")

    def merge_branch(self, call: Call) -> Reply:
        return self._workflow(call, "merge")

    def reset_branch(self, call: Call) -> Reply:
        return self._workflow(call, "reset")

    def diff_branch(self, call: Call) -> Reply:
        branch = self._branch(call)
        # Schemas are not compared: the emulator answers an empty diff, as the API does for an unchanged branch.
        return text_reply(200, f"-- branch {branch.name}: no schema changes\n", "text/plain")

    # -------------------------------------------------------------- action runs

    def list_action_runs(self, call: Call) -> Reply:
        project = self._project(call)
        # Newest first; a branch's runs are kept in the order they started.
        runs = [
            r for b in self.branches.values() if b.project_ref == project.ref and not b.is_default for r in b.runs[::-1]
        ]
        offset = _number(call, "offset", 0)
        limit = _number(call, "limit", None)
        runs = runs[offset:] if limit is None else runs[offset : offset + limit]
        return json_reply(200, [r.view(self.project_ready_seconds) for r in runs])

    def get_action_run(self, call: Call) -> Reply:
        _, run = self._run_of(call)
        return json_reply(200, run.view(self.project_ready_seconds))

    def get_action_run_logs(self, call: Call) -> Reply:
        _, run = self._run_of(call)
        return text_reply(200, run.logs(self.project_ready_seconds), "text/plain")

    # ------------------------------------------------------------ test controls

    def plan_branch_failure(self, branch_name: str, step: str, log: str, workflow: str = "create") -> None:
        if workflow not in WORKFLOW_STEPS:
            raise ValueError(f"Unknown workflow {workflow!r}; expected one of {', '.join(WORKFLOW_STEPS)}")
        if step not in WORKFLOW_STEPS[workflow]:
            raise ValueError(f"Step {step!r} is not one of {workflow}'s: {', '.join(WORKFLOW_STEPS[workflow])}")
        self.branch_plans[(branch_name, workflow)] = (step, log)

    def hold_branches(self) -> None:
        self.branches_held = True

    def release_branches(self) -> None:
        """Start every held branch now: its project comes up and its run advances from this moment."""
        self.branches_held = False
        now = time.monotonic()
        for branch in self.branches.values():
            project = self.projects.get(branch.project_ref)
            if project is not None and not branch.is_default and project.forced_status == "COMING_UP":
                project.forced_status = None
                project.born = now
            for run in branch.runs:
                if run.started is None:
                    run.started = now

    def enable_branching(self, ref: str) -> None:
        project = self.projects.get(ref)
        if project is None:
            raise KeyError(f"Project {ref} not found")
        self._enable_branching(project)

    def branches_snapshot(self) -> dict[str, Any]:
        # Keyed by parent and name (unique together), which read better than ids and survive normalising.
        return {
            f"{branch.parent_ref}/{branch.name}": {
                **self._branch_view(branch),
                "runs": [
                    {**run.view(self.project_ready_seconds), "workflow": run.workflow, "dead_step": run.dead_step}
                    for run in branch.runs
                ],
            }
            for branch in self.branches.values()
        }


def _secret(value: str) -> Any:
    from airflow_provider_supabase.emulator.model import Secret

    return Secret(value, utc_now_iso())


def _number(call: Call, name: str, default: int | None) -> Any:
    raw = call.query_value(name)
    if raw is None:
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise ApiError(400, f"Invalid query parameter {name}: expected a number") from None
    if value < 0:
        raise ApiError(400, f"Invalid query parameter {name}: must not be negative")
    return value
