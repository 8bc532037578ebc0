"""Transport: auth, routing errors, keep-alive, rate limiting, fault injection and the request log."""

from __future__ import annotations

import http.client
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from airflow_provider_supabase.emulator import Emulator, Fault

from .client import OTHER_TOKEN, TOKEN, Api

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


# ---------------------------------------------------------------------------------------------- auth


def test_missing_token_is_401(emu: Emulator) -> None:
    response = Api(emu.url, token=None).get("/v1/projects")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_malformed_token_is_401(emu: Emulator) -> None:
    assert Api(emu.url, token="sbp_not-hex").get("/v1/projects").status_code == 401


def test_configured_tokens_are_the_only_ones_accepted() -> None:
    with Emulator(tokens=[TOKEN]) as emu:
        assert Api(emu.url, TOKEN).get("/v1/projects").status_code == 200
        assert Api(emu.url, OTHER_TOKEN).get("/v1/projects").status_code == 401


# ------------------------------------------------------------------------------------------- routing


def test_unknown_route_is_404(api: Api) -> None:
    response = api.get("/v1/nothing-here")
    assert response.status_code == 404
    assert "message" in response.json()


def test_wrong_method_is_405(api: Api) -> None:
    response = api.put("/v1/projects")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}
    assert "message" in response.json()


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "CONNECT", "PROPFIND"])
def test_method_the_path_does_not_list_is_405_json_with_allow(api: Api, method: str) -> None:
    response = api.request(method, "/v1/projects/abcdefghijklmnopqrst/functions")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": f"Method {method} is not allowed on /v1/projects/{{ref}}/functions"}
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_head_is_405_without_a_body(emu: Emulator) -> None:
    url = urlsplit(emu.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request("HEAD", "/v1/organizations", headers={"Authorization": f"Bearer {TOKEN}"})
        head = connection.getresponse()
        assert (head.status, head.getheader("Allow"), head.read()) == (405, "GET, POST", b"")
        # The connection is still in step: a body sent after the HEAD reply would be read as this response.
        connection.request("GET", "/v1/organizations", headers={"Authorization": f"Bearer {TOKEN}"})
        follow_up = connection.getresponse()
        assert (follow_up.status, follow_up.read()) == (200, b"[]")
    finally:
        connection.close()


def test_unlisted_method_on_unknown_path_is_404_json(api: Api) -> None:
    response = api.request("TRACE", "/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"message": "Cannot TRACE /v1/nothing-here"}


def test_stdlib_detected_errors_are_json(emu: Emulator) -> None:
    url = urlsplit(emu.url)
    with socket.create_connection((url.hostname or "", url.port or 0), timeout=5) as sock:
        sock.sendall(b"GET /v1/projects HTTP/9.9\r\n\r\n")
        reply = sock.makefile("rb").read()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"505"
    assert b"Content-Type: application/json" in head
    assert "message" in json.loads(body)


def test_connections_are_kept_alive(emu: Emulator) -> None:
    url = urlsplit(emu.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        for _ in range(3):
            connection.request("GET", "/v1/organizations", headers={"Authorization": f"Bearer {TOKEN}"})
            response = connection.getresponse()
            assert response.status == 200
            response.read()
            assert not response.will_close
    finally:
        connection.close()


def test_stop_closes_pooled_connections() -> None:
    emu = Emulator().start()
    api = Api(emu.url)
    assert api.get("/v1/organizations").status_code == 200
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        api.get("/v1/organizations", timeout=2)


# --------------------------------------------------------------------------------------- rate limits


def test_every_response_carries_rate_limit_headers(emu: Emulator, api: Api) -> None:
    responses = [
        api.get("/v1/organizations"),
        api.get("/v1/projects/abcdefghijklmnopqrst"),
        Api(emu.url, token=None).get("/v1/projects"),
    ]
    for response in responses:
        assert all(name in response.headers for name in RATE_HEADERS), response.status_code
    assert responses[0].headers["X-RateLimit-Limit"] == "120"
    assert responses[0].headers["X-RateLimit-Remaining"] == "119"


def test_over_the_limit_is_429_with_retry_after(emu: Emulator, api: Api) -> None:
    emu.configure(rate_limit=2)
    statuses = [api.get("/v1/organizations").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = api.get("/v1/organizations")
    assert response.json() == {"message": "Too many requests"}
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) >= 1
    assert response.headers["Retry-After"] == response.headers["X-RateLimit-Reset"]


def test_429_without_retry_after_when_disabled(emu: Emulator, api: Api) -> None:
    emu.configure(rate_limit=1, retry_after_header=False)
    api.get("/v1/organizations")
    response = api.get("/v1/organizations")
    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert int(response.headers["X-RateLimit-Reset"]) >= 1


def test_rate_limited_request_does_not_touch_state(emu: Emulator, api: Api) -> None:
    emu.configure(rate_limit=1)
    assert api.post("/v1/organizations", json={"name": "first"}).status_code == 201
    assert api.post("/v1/organizations", json={"name": "second"}).status_code == 429
    assert [o["name"] for o in emu.state_snapshot()["organizations"].values()] == ["first"]


def test_rate_limit_window_resets(emu: Emulator, api: Api) -> None:
    emu.configure(rate_limit=1, rate_window=0.4)
    assert api.get("/v1/organizations").status_code == 200
    assert api.get("/v1/organizations").status_code == 429
    time.sleep(0.45)
    assert api.get("/v1/organizations").status_code == 200


def test_rate_limit_is_per_route_method_and_token(emu: Emulator, api: Api) -> None:
    emu.configure(rate_limit=1)
    assert api.get("/v1/organizations").status_code == 200
    assert api.get("/v1/organizations").status_code == 429
    assert api.get("/v1/projects").status_code == 200
    assert api.post("/v1/organizations", json={"name": "x"}).status_code == 201
    assert Api(emu.url, OTHER_TOKEN).get("/v1/organizations").status_code == 200


def test_custom_hostname_calls_have_their_own_limit(emu: Emulator, api: Api, ref: str) -> None:
    emu.configure(hostname_rate_limit=2)
    body = {"custom_hostname": "api.example.com"}
    statuses = [api.post(f"/v1/projects/{ref}/custom-hostname/initialize", json=body) for _ in range(3)]
    assert [r.status_code for r in statuses] == [201, 201, 429]
    assert statuses[0].headers["X-RateLimit-Limit"] == "2"
    assert api.get(f"/v1/projects/{ref}/custom-hostname").headers["X-RateLimit-Limit"] == "120"


# -------------------------------------------------------------------------------------------- faults


def test_status_fault_answers_without_touching_state(emu: Emulator, api: Api, ref: str) -> None:
    emu.inject_fault("POST", "/v1/projects/{ref}/secrets", "status", status=503, retry_after="1")
    response = api.post(f"/v1/projects/{ref}/secrets", json=[{"name": "A", "value": "b"}])
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "X-RateLimit-Remaining" in response.headers
    assert response.json()["message"]
    assert emu.state_snapshot()["secrets"][ref] == {}


def test_status_fault_is_consumed_after_times(emu: Emulator, api: Api) -> None:
    emu.inject(Fault("GET", "/v1/organizations", "status", times=2, status=500, message="boom"))
    responses = [api.get("/v1/organizations") for _ in range(3)]
    assert [r.status_code for r in responses] == [500, 500, 200]
    assert responses[0].json() == {"message": "boom"}
    assert "Retry-After" not in responses[0].headers


def test_fault_matches_concrete_path_and_wildcards(emu: Emulator, api: Api, ref: str) -> None:
    emu.inject_fault("GET", f"/v1/projects/{ref}", "status", status=502)
    emu.inject_fault("*", "*", "status", status=504)
    assert api.get("/v1/organizations").status_code == 504
    assert api.get(f"/v1/projects/{ref}").status_code == 502
    assert api.get(f"/v1/projects/{ref}").status_code == 200


def test_fault_for_another_method_does_not_match(emu: Emulator, api: Api) -> None:
    emu.inject_fault("POST", "/v1/organizations", "status")
    assert api.get("/v1/organizations").status_code == 200


def test_drop_fault_closes_connection_before_touching_state(emu: Emulator, api: Api) -> None:
    emu.inject_fault("POST", "/v1/organizations", "drop")
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/organizations", json={"name": "lost"})
    assert emu.state_snapshot()["organizations"] == {}
    assert emu.requests[-1].status is None
    assert api.post("/v1/organizations", json={"name": "kept"}).status_code == 201


def test_dropped_request_counts_toward_rate_limit(emu: Emulator, api: Api) -> None:
    emu.configure(rate_limit=1)
    emu.inject_fault("GET", "/v1/organizations", "drop")
    with pytest.raises(requests.ConnectionError):
        api.get("/v1/organizations")
    assert api.get("/v1/organizations").status_code == 429


def test_drop_after_fault_applies_state_then_drops(emu: Emulator, api: Api, org: dict[str, str]) -> None:
    emu.inject_fault("POST", "/v1/projects", "drop_after")
    body = {"name": "ghost", "db_pass": "pw", "organization_slug": org["slug"], "region": "us-east-1"}
    with pytest.raises(requests.ConnectionError):
        api.post("/v1/projects", json=body)
    projects = emu.state_snapshot()["projects"].values()
    assert [p["name"] for p in projects] == ["ghost"]
    assert emu.requests[-1].status is None


def test_delay_fault_times_out_client_but_applies_state(emu: Emulator, api: Api) -> None:
    emu.inject_fault("POST", "/v1/organizations", "delay", delay=0.4)
    with pytest.raises(requests.Timeout):
        api.post("/v1/organizations", json={"name": "slow"}, timeout=0.1)
    deadline = time.monotonic() + 2
    while not emu.state_snapshot()["organizations"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [o["name"] for o in emu.state_snapshot()["organizations"].values()] == ["slow"]


def test_delay_fault_answers_normally_after_the_delay(emu: Emulator, api: Api) -> None:
    emu.inject_fault("GET", "/v1/organizations", "delay", delay=0.2)
    started = time.monotonic()
    response = api.get("/v1/organizations")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_malformed_fault_returns_invalid_json(emu: Emulator, api: Api) -> None:
    emu.inject_fault("POST", "/v1/organizations", "malformed")
    response = api.post("/v1/organizations", json={"name": "x"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()
    assert emu.state_snapshot()["organizations"] == {}


def test_fault_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="Unknown fault kind"):
        Fault("GET", "*", "explode")


# --------------------------------------------------------------------------------------- request log


def test_request_log_records_each_request(emu: Emulator, api: Api, ref: str) -> None:
    api.post(f"/v1/projects/{ref}/secrets?dry=1", json=[{"name": "A", "value": "b"}])
    [record] = emu.requests
    assert record.method == "POST"
    assert record.path == f"/v1/projects/{ref}/secrets"
    assert record.template == "/v1/projects/{ref}/secrets"
    assert record.query == {"dry": ["1"]}
    assert record.status == 201
    assert record.json == [{"name": "A", "value": "b"}]
    assert record.token == TOKEN
    assert isinstance(record.time, float)


def test_request_count_matches_templates_and_concrete_paths(emu: Emulator, api: Api, ref: str) -> None:
    api.get(f"/v1/projects/{ref}/secrets")
    api.get(f"/v1/projects/{ref}/secrets")
    api.get("/v1/organizations")
    assert emu.request_count() == 3
    assert emu.request_count("GET", "/v1/projects/{ref}/secrets") == 2
    assert emu.request_count(path=f"/v1/projects/{ref}/secrets") == 2
    assert emu.request_count("POST") == 0


def test_reset_clears_state_faults_log_and_counters(emu: Emulator, api: Api) -> None:
    emu.configure(rate_limit=1)
    api.post("/v1/organizations", json={"name": "x"})
    emu.inject_fault("*", "*", "status")
    emu.reset()
    assert emu.requests == []
    assert emu.state_snapshot()["organizations"] == {}
    assert api.post("/v1/organizations", json={"name": "y"}).status_code == 201
    assert emu.config["rate_limit"] == 1


def test_concurrent_writes_are_all_applied(emu: Emulator, ref: str) -> None:
    emu.configure(rate_limit=10_000)

    def write(worker: int) -> list[int]:
        client = Api(emu.url)
        path = f"/v1/projects/{ref}/secrets"
        try:
            bodies = [[{"name": f"S_{worker}_{i}", "value": "v"}] for i in range(20)]
            return [client.post(path, json=body).status_code for body in bodies]
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for batch in pool.map(write, range(8)) for status in batch]
    assert statuses == [201] * 160
    assert len(emu.state_snapshot()["secrets"][ref]) == 160


def test_thousand_keep_alive_gets_on_one_connection_all_answer(emu: Emulator, api: Api, ref: str) -> None:
    # How fast they answer is measured in bench/, never asserted: a loaded CI machine would make it flaky.
    emu.configure(rate_limit=10_000)
    assert [api.get(f"/v1/projects/{ref}").status_code for _ in range(1000)] == [200] * 1000
