"""Edge Functions: JSON create/update, the verify_jwt quirk, bodies, and multipart deploys."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

import pytest

from airflow_provider_supabase.digest import body_digest, source_digest
from airflow_provider_supabase.emulator import Emulator

from .client import Api

SOURCE = "Deno.serve(() => new Response('hi'))"


def _create(api: Api, ref: str, **overrides: Any) -> Any:
    body = {"slug": "hello", "name": "Hello", "body": SOURCE, **overrides}
    return api.post(f"/v1/projects/{ref}/functions", json=body)


def _deploy(
    api: Api,
    ref: str,
    files: dict[str, bytes],
    metadata: dict[str, Any] | None = None,
    slug: str = "hello",
) -> Any:
    parts: list[tuple[str, Any]] = []
    if metadata is not None:
        parts.append(("metadata", (None, json.dumps(metadata), "application/json")))
    parts.extend(("file", (path, content, "application/typescript")) for path, content in files.items())
    return api.post(f"/v1/projects/{ref}/functions/deploy", params={"slug": slug}, files=parts)


def test_create_function_returns_201_with_function_object(api: Api, ref: str) -> None:
    response = _create(api, ref, verify_jwt=False)
    assert response.status_code == 201
    body = response.json()
    uuid.UUID(body["id"])
    assert body["slug"] == "hello"
    assert body["name"] == "Hello"
    assert body["status"] == "ACTIVE"
    assert body["version"] == 1
    assert body["verify_jwt"] is False
    assert body["import_map"] is False
    assert isinstance(body["created_at"], int)
    assert body["updated_at"] == body["created_at"]
    assert re.fullmatch(r"[0-9a-f]{64}", body["ezbr_sha256"])


def test_create_function_defaults_verify_jwt_to_true(api: Api, ref: str) -> None:
    assert _create(api, ref).json()["verify_jwt"] is True


def test_create_function_accepts_query_parameters(api: Api, ref: str) -> None:
    response = api.post(
        f"/v1/projects/{ref}/functions",
        params={"slug": "q", "name": "Query", "verify_jwt": "false"},
        data=SOURCE.encode(),
        headers={"Content-Type": "application/typescript"},
    )
    assert response.status_code == 201
    assert (response.json()["slug"], response.json()["verify_jwt"]) == ("q", False)
    assert api.get(f"/v1/projects/{ref}/functions/q/body").text == SOURCE


def test_create_function_json_body_must_be_complete_without_the_query(api: Api, ref: str) -> None:
    response = api.post(
        f"/v1/projects/{ref}/functions", params={"name": "Query"}, json={"slug": "hello", "body": SOURCE}
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid request body: $: 'name' is a required property"}
    assert api.get(f"/v1/projects/{ref}/functions").json() == []


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("slug", ["", "0.5", "a b"])
def test_function_slug_query_parameter_must_match_the_pattern(api: Api, ref: str, method: str, slug: str) -> None:
    _create(api, ref)
    path = f"/v1/projects/{ref}/functions" + ("/hello" if method == "PATCH" else "")
    response = api.request(method, path, params={"slug": slug}, json={"slug": "other", "name": "O", "body": SOURCE})
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid query parameter slug: it must match ^[A-Za-z0-9_-]+$"}
    assert [f["slug"] for f in api.get(f"/v1/projects/{ref}/functions").json()] == ["hello"]
    assert api.get(f"/v1/projects/{ref}/functions/hello").json()["version"] == 1


def test_create_existing_function_is_400(api: Api, ref: str) -> None:
    _create(api, ref)
    response = _create(api, ref)
    assert response.status_code == 400
    assert response.json() == {"message": "Function hello already exists"}


def test_create_function_with_invalid_slug_is_400(api: Api, ref: str) -> None:
    response = _create(api, ref, slug="no spaces!")
    assert response.status_code == 400
    assert "$.slug" in response.json()["message"]


def test_create_function_requires_body(api: Api, ref: str) -> None:
    response = api.post(f"/v1/projects/{ref}/functions", json={"slug": "x", "name": "X"})
    assert response.status_code == 400
    assert "'body' is a required property" in response.json()["message"]


def test_list_functions_omits_bodies(api: Api, ref: str) -> None:
    _create(api, ref)
    response = api.get(f"/v1/projects/{ref}/functions")
    assert response.status_code == 200
    [listed] = response.json()
    assert listed["slug"] == "hello"
    assert "body" not in listed


def test_get_function_returns_200(api: Api, ref: str) -> None:
    created = _create(api, ref).json()
    response = api.get(f"/v1/projects/{ref}/functions/hello")
    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "body"} == created


def test_unknown_function_is_404(api: Api, ref: str) -> None:
    response = api.get(f"/v1/projects/{ref}/functions/missing")
    assert response.status_code == 404
    assert response.json() == {"message": "Function not found"}


def test_get_function_body_is_typescript_text(api: Api, ref: str) -> None:
    _create(api, ref)
    response = api.get(f"/v1/projects/{ref}/functions/hello/body")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/typescript"
    assert response.text == SOURCE


def test_update_function_bumps_version_and_updated_at(api: Api, ref: str) -> None:
    created = _create(api, ref).json()
    response = api.patch(f"/v1/projects/{ref}/functions/hello", json={"body": "new()", "verify_jwt": False})
    assert response.status_code == 200
    updated = response.json()
    assert updated["version"] == 2
    assert updated["updated_at"] > created["updated_at"]
    assert updated["ezbr_sha256"] != created["ezbr_sha256"]
    assert api.get(f"/v1/projects/{ref}/functions/hello/body").text == "new()"


def test_update_without_verify_jwt_resets_it_to_true(api: Api, ref: str) -> None:
    _create(api, ref, verify_jwt=False)
    response = api.patch(f"/v1/projects/{ref}/functions/hello", json={"name": "Renamed"})
    assert response.json()["name"] == "Renamed"
    assert response.json()["verify_jwt"] is True


def test_update_accepts_query_parameters(api: Api, ref: str) -> None:
    _create(api, ref)
    response = api.patch(f"/v1/projects/{ref}/functions/hello", params={"verify_jwt": "false", "name": "Q"})
    assert (response.json()["name"], response.json()["verify_jwt"]) == ("Q", False)


def test_update_rejects_a_non_boolean_verify_jwt(api: Api, ref: str) -> None:
    _create(api, ref)
    response = api.patch(f"/v1/projects/{ref}/functions/hello", json={"verify_jwt": "no"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body: $.verify_jwt: expected boolean"


def test_delete_function_returns_200_empty(api: Api, emu: Emulator, ref: str) -> None:
    _create(api, ref)
    response = api.delete(f"/v1/projects/{ref}/functions/hello")
    assert response.status_code == 200
    assert response.content == b""
    assert emu.state_snapshot()["functions"][ref] == {}


def test_deploy_creates_the_function_from_its_files(api: Api, emu: Emulator, ref: str) -> None:
    files = {"index.ts": b"import { x } from './lib/x.ts'\n", "lib/x.ts": b"export const x = 1\r\n"}
    response = _deploy(api, ref, files, {"entrypoint_path": "index.ts", "name": "Hello", "verify_jwt": False})
    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["name"], body["verify_jwt"]) == (1, "Hello", False)
    assert body["entrypoint_path"] == "index.ts"
    stored = emu.state_snapshot()["functions"][ref]["hello"]
    assert stored["files"] == {path: content.decode() for path, content in files.items()}
    assert stored["ezbr_sha256"] == body["ezbr_sha256"]


def test_deploy_existing_function_bumps_version(api: Api, ref: str) -> None:
    files = {"index.ts": b"v1"}
    first = _deploy(api, ref, files, {"entrypoint_path": "index.ts"}).json()
    second = _deploy(api, ref, {"index.ts": b"v2"}, {"entrypoint_path": "index.ts"}).json()
    assert (first["version"], second["version"]) == (1, 2)
    assert second["id"] == first["id"]
    assert second["updated_at"] > first["updated_at"]
    assert second["ezbr_sha256"] != first["ezbr_sha256"]


def test_ezbr_sha256_is_no_digest_a_client_can_compute(api: Api, ref: str) -> None:
    files = {"index.ts": b"Deno.serve(() => new Response('hi'))"}
    deployed = _deploy(api, ref, files, {"entrypoint_path": "index.ts"}).json()
    created = _create(api, ref, slug="inline").json()
    assert deployed["ezbr_sha256"] not in (source_digest(files), body_digest(files["index.ts"].decode()))
    assert deployed["ezbr_sha256"] != hashlib.sha256(files["index.ts"]).hexdigest()
    assert created["ezbr_sha256"] not in (body_digest(SOURCE), source_digest({"index.ts": SOURCE}))


def test_ezbr_sha256_is_stable_for_the_same_sources_on_one_emulator(api: Api, ref: str) -> None:
    files = {"index.ts": b"v1", "lib/a.ts": b"a"}
    first = _deploy(api, ref, files, {"entrypoint_path": "index.ts"}).json()
    again = _deploy(api, ref, files, {"entrypoint_path": "index.ts"}).json()
    assert again["version"] == 2 and again["ezbr_sha256"] == first["ezbr_sha256"]


def test_ezbr_sha256_of_the_same_sources_differs_between_emulators(api: Api, ref: str) -> None:
    files = {"index.ts": b"v1"}
    here = _deploy(api, ref, files, {"entrypoint_path": "index.ts"}).json()
    with Emulator(project_ready_seconds=0) as other:
        other_ref = other.seed_project("acme-prod", other.seed_organization("Acme")["slug"])["ref"]
        client = Api(other.url)
        there = _deploy(client, other_ref, files, {"entrypoint_path": "index.ts"}).json()
        client.close()
    assert there["ezbr_sha256"] != here["ezbr_sha256"]


def test_deploy_over_a_json_function_upserts(api: Api, ref: str) -> None:
    _create(api, ref)
    response = _deploy(api, ref, {"index.ts": b"x"}, {"entrypoint_path": "index.ts"})
    assert response.status_code == 201
    assert response.json()["version"] == 2


def test_deploy_without_verify_jwt_resets_it_to_true(api: Api, ref: str) -> None:
    _deploy(api, ref, {"index.ts": b"x"}, {"entrypoint_path": "index.ts", "verify_jwt": False})
    response = _deploy(api, ref, {"index.ts": b"x"}, {"entrypoint_path": "index.ts"})
    assert response.json()["verify_jwt"] is True


def test_deployed_body_is_the_entrypoint_file(api: Api, ref: str) -> None:
    files = {"lib/util.ts": b"util", "main.ts": b"main source\n"}
    _deploy(api, ref, files, {"entrypoint_path": "main.ts", "import_map_path": "lib/util.ts"})
    response = api.get(f"/v1/projects/{ref}/functions/hello/body")
    assert response.content == b"main source\n"
    function = api.get(f"/v1/projects/{ref}/functions/hello").json()
    assert (function["import_map"], function["import_map_path"]) == (True, "lib/util.ts")


def test_deploy_without_metadata_is_400(api: Api, ref: str) -> None:
    response = _deploy(api, ref, {"index.ts": b"x"})
    assert response.status_code == 400
    assert "metadata" in response.json()["message"]


def test_deploy_with_invalid_metadata_is_400(api: Api, ref: str) -> None:
    response = _deploy(api, ref, {"index.ts": b"x"}, {"name": "no entrypoint"})
    assert response.status_code == 400
    expected = "Invalid request body: $.metadata: 'entrypoint_path' is a required property"
    assert response.json()["message"] == expected


def test_deploy_with_entrypoint_not_uploaded_is_400(api: Api, emu: Emulator, ref: str) -> None:
    response = _deploy(api, ref, {"other.ts": b"x"}, {"entrypoint_path": "index.ts"})
    assert response.status_code == 400
    assert "index.ts" in response.json()["message"]
    assert emu.state_snapshot()["functions"][ref] == {}


def test_deploy_with_a_non_boolean_bundle_only_is_400_and_deploys_nothing(api: Api, ref: str) -> None:
    files = {"index.ts": SOURCE.encode()}
    parts = [("metadata", (None, json.dumps({"entrypoint_path": "index.ts"}), "application/json"))]
    parts += [("file", (path, content, "application/typescript")) for path, content in files.items()]
    response = api.post(
        f"/v1/projects/{ref}/functions/deploy", params={"slug": "hello", "bundleOnly": "maybe"}, files=parts
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid query parameter bundleOnly: expected true or false"}
    assert api.get(f"/v1/projects/{ref}/functions").json() == []


@pytest.mark.parametrize("slug", ["0", "1st-function", "_private", "-dash"])
def test_deploy_slug_must_start_with_a_letter(api: Api, ref: str, slug: str) -> None:
    response = _deploy(api, ref, {"index.ts": SOURCE.encode()}, {"entrypoint_path": "index.ts"}, slug=slug)
    assert response.status_code == 400
    assert response.json() == {
        "message": f"Invalid function slug {slug!r}: a deployed function's slug must match ^[A-Za-z][A-Za-z0-9_-]*$"
    }
    assert api.get(f"/v1/projects/{ref}/functions").json() == []


def test_deploy_requires_multipart(api: Api, ref: str) -> None:
    response = api.post(
        f"/v1/projects/{ref}/functions/deploy", params={"slug": "x"}, json={"entrypoint_path": "index.ts"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("slug", ["bad slug", ""])
def test_deploy_requires_a_valid_slug(api: Api, ref: str, slug: str) -> None:
    response = _deploy(api, ref, {"index.ts": b"x"}, {"entrypoint_path": "index.ts"}, slug=slug)
    assert response.status_code == 400
