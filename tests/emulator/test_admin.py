"""The /_emulator control endpoints and the ``python -m airflow_provider_supabase.emulator`` command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from airflow_provider_supabase.emulator import Emulator

from .client import Api

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_admin_state_returns_the_snapshot(emu: Emulator, ref: str) -> None:
    response = requests.get(f"{emu.url}/_emulator/state", timeout=5)
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(emu.state_snapshot()))
    assert ref in response.json()["projects"]


def test_admin_requests_lists_api_requests_only(emu: Emulator, api: Api) -> None:
    api.get("/v1/organizations")
    response = requests.get(f"{emu.url}/_emulator/requests", timeout=5)
    seen = [(r["method"], r["path"], r["status"]) for r in response.json()]
    assert seen == [("GET", "/v1/organizations", 200)]


def test_admin_endpoints_need_no_auth_and_are_not_logged(emu: Emulator) -> None:
    requests.post(f"{emu.url}/_emulator/organizations", json={"name": "Acme"}, timeout=5)
    assert emu.requests == []
    assert [o["name"] for o in emu.state_snapshot()["organizations"].values()] == ["Acme"]


def test_admin_reset_clears_state(emu: Emulator, ref: str) -> None:
    response = requests.post(f"{emu.url}/_emulator/reset", timeout=5)
    assert response.status_code == 200
    assert emu.state_snapshot()["projects"] == {}


def test_admin_faults_injects_a_fault(emu: Emulator, api: Api) -> None:
    fault = {
        "method": "GET",
        "path": "/v1/organizations",
        "kind": "status",
        "status": 429,
        "retry_after": "2",
    }
    response = requests.post(f"{emu.url}/_emulator/faults", json=fault, timeout=5)
    assert response.status_code == 201
    answer = api.get("/v1/organizations")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "2")


def test_admin_faults_rejects_bad_fault(emu: Emulator) -> None:
    response = requests.post(f"{emu.url}/_emulator/faults", json={"method": "GET", "path": "*"}, timeout=5)
    assert response.status_code == 400


def test_admin_config_changes_settings(emu: Emulator, api: Api) -> None:
    response = requests.post(f"{emu.url}/_emulator/config", json={"rate_limit": 7}, timeout=5)
    assert response.status_code == 200
    assert response.json()["rate_limit"] == 7
    assert api.get("/v1/organizations").headers["X-RateLimit-Limit"] == "7"


def test_admin_project_status_forces_status(emu: Emulator, api: Api, ref: str) -> None:
    url = f"{emu.url}/_emulator/projects/{ref}/status"
    response = requests.post(url, json={"status": "INACTIVE"}, timeout=5)
    assert response.status_code == 200
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "INACTIVE"


def test_admin_project_status_of_unknown_project_is_404(emu: Emulator) -> None:
    url = f"{emu.url}/_emulator/projects/abcdefghijklmnopqrst/status"
    assert requests.post(url, json={"status": "INACTIVE"}, timeout=5).status_code == 404


def test_admin_project_plan(emu: Emulator, api: Api, org: dict[str, str]) -> None:
    plan = {"name": "doomed", "final_status": "INIT_FAILED"}
    assert requests.post(f"{emu.url}/_emulator/plans/projects", json=plan, timeout=5).status_code == 201
    body = {"name": "doomed", "db_pass": "pw", "organization_slug": org["slug"], "region": "us-east-1"}
    assert api.post("/v1/projects", json=body).json()["status"] == "INIT_FAILED"


def test_admin_hostname_plan(emu: Emulator, api: Api, ref: str) -> None:
    plan = {"hostname": "api.example.com", "ssl_error": "CAA says no"}
    assert requests.post(f"{emu.url}/_emulator/plans/hostnames", json=plan, timeout=5).status_code == 201
    api.post(f"/v1/projects/{ref}/custom-hostname/initialize", json={"custom_hostname": "api.example.com"})
    body = api.post(f"/v1/projects/{ref}/custom-hostname/reverify").json()
    assert body["data"]["result"]["ssl"]["validation_errors"] == [{"message": "CAA says no"}]


def test_snapshot_is_a_deep_copy(emu: Emulator, ref: str) -> None:
    snapshot = emu.state_snapshot()
    snapshot["projects"][ref]["name"] = "mutated"
    snapshot["hostnames"][ref]["status"] = "mutated"
    fresh = emu.state_snapshot()
    assert fresh["projects"][ref]["name"] == "acme-prod"
    assert fresh["hostnames"][ref]["status"] == "1_not_started"


def test_cli_prints_url_and_exits_cleanly_on_sigterm() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_supabase.emulator", "--port", "0", "--rate-limit", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        banner = r"Supabase Management API emulator listening on (http://127\.0\.0\.1:\d+)\n"
        match = re.fullmatch(banner, line)
        assert match, line
        response = Api(match.group(1)).get("/v1/organizations")
        assert response.headers["X-RateLimit-Limit"] == "5"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
