"""``/_emulator/...`` control endpoints for an emulator run as a separate process: no auth, no limits, no log.

GET  /_emulator/state                       the state snapshot
GET  /_emulator/requests                    the request log
POST /_emulator/reset                       clear state, faults, log and rate-limit counters; drop project databases
GET|POST|DELETE /_emulator/faults           list / inject (body: Fault fields) / clear faults
GET|POST /_emulator/config                  read / change (body: fields of Emulator.configure)
POST /_emulator/organizations               seed an organization {"name"}
POST /_emulator/projects                    seed a project {"name", "organization_slug", "region"?, "status"?}
POST /_emulator/projects/{ref}/status       force a project status {"status"}
POST /_emulator/projects/{ref}/network-bans add bans {"ipv4_addresses": [...]}
POST /_emulator/plans/projects              {"name", "final_status"?}
POST /_emulator/plans/hostnames             {"hostname", "ssl_error"?}
POST /_emulator/plans/pause                 {"ref", "final_status"?: INACTIVE | PAUSE_FAILED}
POST /_emulator/plans/restore               {"ref", "final_status"?: ACTIVE_HEALTHY | RESTORE_FAILED | INACTIVE}
POST /_emulator/projects/{ref}/api-keys/{id}/age       make an API key older {"seconds"}
POST /_emulator/projects/{ref}/signing-keys/{id}/age   make a signing key older {"seconds"}
POST /_emulator/plans/branches              {"branch_name", "step", "log"?, "workflow"?: create | merge | push | reset}
POST /_emulator/branches/hold               new branches stay starting until released
POST /_emulator/branches/release            held branches start now
POST /_emulator/projects/{ref}/branching    turn preview branching on for a project
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.emulator.faults import Fault
from airflow_provider_supabase.emulator.wire import ApiError, Reply, error_reply, json_reply

if TYPE_CHECKING:
    from airflow_provider_supabase.emulator.app import EmulatorApp

_PROJECT_ACTION = re.compile(r"^/_emulator/projects/([^/]+)/(status|network-bans|branching)$")
_KEY_AGE = re.compile(r"^/_emulator/projects/([^/]+)/(api-keys|signing-keys)/([^/]+)/age$")
DEFAULT_BRANCH_FAILURE_LOG = "ERROR: migration failed"
DEFAULT_SSL_ERROR = "CAA record for example.com prevents issuance"


def handle_admin(app: EmulatorApp, method: str, path: str, content_type: str, body: bytes) -> Reply:
    try:
        return _dispatch(app, method, path.rstrip("/"), body)
    except ApiError as exc:
        return error_reply(exc.status, exc.message)
    except KeyError as exc:
        return error_reply(404, str(exc.args[0]) if exc.args else "Not found")
    except (TypeError, ValueError) as exc:
        return error_reply(400, str(exc))


def _object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise ApiError(400, "Invalid request body: not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "Invalid request body: expected a JSON object")
    return value


def _required(data: dict[str, Any], key: str) -> Any:
    if key not in data:
        raise ApiError(400, f"Invalid request body: {key!r} is required")
    return data[key]


def _dispatch(app: EmulatorApp, method: str, path: str, body: bytes) -> Reply:
    route = (method, path)
    if route == ("GET", "/_emulator/state"):
        with app.lock:
            return json_reply(200, app.state.snapshot())
    if route == ("GET", "/_emulator/requests"):
        return json_reply(200, [r.to_dict() for r in app.requests()])
    if route == ("POST", "/_emulator/reset"):
        app.reset()
        return json_reply(200, {})
    if route == ("GET", "/_emulator/faults"):
        with app.lock:
            return json_reply(200, [f.to_dict() for f in app.faults])
    if route == ("POST", "/_emulator/faults"):
        return json_reply(201, app.inject(Fault(**_object(body))).to_dict())
    if route == ("DELETE", "/_emulator/faults"):
        app.clear_faults()
        return json_reply(200, {})
    if route == ("GET", "/_emulator/config"):
        return json_reply(200, dataclasses.asdict(app.config))
    if route == ("POST", "/_emulator/config"):
        return json_reply(200, dataclasses.asdict(app.configure(**_object(body))))
    if route == ("POST", "/_emulator/organizations"):
        data = _object(body)
        with app.lock:
            return json_reply(201, app.state.seed_organization(_required(data, "name")))
    if route == ("POST", "/_emulator/projects"):
        data = _object(body)
        with app.lock:
            project = app.state.seed_project(
                _required(data, "name"),
                _required(data, "organization_slug"),
                data.get("region", "us-east-1"),
                data.get("status", "ACTIVE_HEALTHY"),
            )
        return json_reply(201, project)
    if route == ("POST", "/_emulator/plans/projects"):
        data = _object(body)
        name, final_status = _required(data, "name"), data.get("final_status", "INIT_FAILED")
        with app.lock:
            app.state.plan_project(name, final_status)
        return json_reply(201, {"name": name, "final_status": final_status})
    if route == ("POST", "/_emulator/plans/hostnames"):
        data = _object(body)
        hostname, ssl_error = _required(data, "hostname"), data.get("ssl_error", DEFAULT_SSL_ERROR)
        with app.lock:
            app.state.plan_hostname(hostname, ssl_error)
        return json_reply(201, {"hostname": hostname, "ssl_error": ssl_error})
    if method == "POST" and path in ("/_emulator/plans/pause", "/_emulator/plans/restore"):
        data = _object(body)
        ref = _required(data, "ref")
        with app.lock:
            if path.endswith("/pause"):
                final_status = data.get("final_status", "PAUSE_FAILED")
                app.state.plan_pause(ref, final_status)
            else:
                final_status = data.get("final_status", "RESTORE_FAILED")
                app.state.plan_restore(ref, final_status)
        return json_reply(201, {"ref": ref, "final_status": final_status})
    aged = _KEY_AGE.match(path)
    if aged is not None and method == "POST":
        ref, table, key_id = aged.groups()
        seconds = _required(_object(body), "seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise ApiError(400, "Invalid request body: 'seconds' must be a non-negative number")
        with app.lock:
            if table == "api-keys":
                return json_reply(200, app.state.age_api_key(ref, key_id, seconds))
            return json_reply(200, app.state.age_signing_key(ref, key_id, seconds))
    if route == ("POST", "/_emulator/plans/branches"):
        data = _object(body)
        plan = {
            "branch_name": _required(data, "branch_name"),
            "step": _required(data, "step"),
            "log": data.get("log", DEFAULT_BRANCH_FAILURE_LOG),
            "workflow": data.get("workflow", "create"),
        }
        with app.lock:
            app.state.plan_branch_failure(plan["branch_name"], plan["step"], plan["log"], plan["workflow"])
        return json_reply(201, plan)
    if route in (("POST", "/_emulator/branches/hold"), ("POST", "/_emulator/branches/release")):
        with app.lock:
            app.state.hold_branches() if path.endswith("/hold") else app.state.release_branches()
        return json_reply(200, {})
    action = _PROJECT_ACTION.match(path)
    if action is not None and method == "POST":
        ref, what = action.groups()
        data = _object(body)
        with app.lock:
            if what == "status":
                return json_reply(200, app.state.set_project_status(ref, _required(data, "status")))
            if what == "branching":
                app.state.enable_branching(ref)
                return json_reply(200, {"ref": ref, "branching": True})
            bans = app.state.add_network_bans(ref, list(_required(data, "ipv4_addresses")))
        return json_reply(200, {"banned_ipv4_addresses": bans})
    raise ApiError(404, f"Unknown emulator control endpoint: {method} {path}")
