"""The emulator conforms to the real Management API spec: schemathesis drives every operation the provider calls.

The spec is the copy the repository keeps in ``spec/`` (spec/README.md).  Path parameters are pinned to
a seeded project and function so that responses are real ones, generation is seeded and derandomized so a CI
failure replays locally, and every failure schemathesis reports must be one of ``DEVIATIONS`` below: the places
where the emulator departs from the spec on purpose (nearly all: it refuses what the real API refuses although
the spec would allow it), each with its reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from airflow_provider_supabase.emulator import Emulator
from airflow_provider_supabase.emulator.routes import ROUTES
from tests.spec import SPEC_PATH

from .client import TOKEN

# A fixed seed, derandomized generation and few examples: the same cases on every machine, in ~30 s of CPU.
SEED = 20240601
MAX_EXAMPLES = 5
PINNED_SLUG = "hello-world"
PINNED_SOURCE = "Deno.serve(() => new Response('Hello, world!'))"
# Stands for "an existing key" in .../api-keys/{id} and .../signing-keys/{id}: replaced before each call by the id of
# a key of the right kind that the call can act on (a revoked signing key, so even DELETE succeeds).
PINNED_KEY_ID = "00000000-0000-4000-8000-000000000000"
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})

# The operations the provider calls: the emulator's routes, as (METHOD, path template).
PROVIDER_OPERATIONS = frozenset((method, route.template) for route in ROUTES for method in route.handlers)
# Not driven by schemathesis (tests/emulator/test_provisioning.py covers them): delete, pause and restore change
# the pinned project every other case depends on. The Auth config update is a known gap: the emulator's generated
# schema does not yet enforce the spec's date-time formats, so it accepts (and then answers) values the spec
# refuses.
NOT_FUZZED = frozenset(
    {
        ("DELETE", "/v1/projects/{ref}"),
        ("POST", "/v1/projects/{ref}/pause"),
        ("POST", "/v1/projects/{ref}/restore"),
        ("PATCH", "/v1/projects/{ref}/config/auth"),
    }
) | frozenset(
    # Preview branches (tests/emulator/test_branches.py checks their answers against the spec's schemas): their
    # ids, branch project refs and run ids are random, so fuzzed cases would only ever meet 404s, and a create or
    # a disable changes the pinned project every other case depends on.
    (method, route.template)
    for route in ROUTES
    if "/branches" in route.template or "/actions" in route.template
    for method in route.handlers
)
FUZZED_OPERATIONS = PROVIDER_OPERATIONS - NOT_FUZZED


@dataclass(frozen=True)
class Deviation:
    """A failure schemathesis reports that is expected, because the emulator departs from the spec on purpose.

    It matches a failure of ``check`` on ``operation`` (``*``: any) whose response has ``status``, whose
    ``{"message": ...}`` matches the ``message`` regex, and whose schemathesis explanation matches ``detail``.
    """

    check: str
    operation: str
    status: int
    message: str | None
    reason: str
    detail: str = ""

    def matches(self, failure: Failure) -> bool:
        if self.message is None:
            message_matches = failure.message is None
        else:
            message_matches = failure.message is not None and re.search(self.message, failure.message) is not None
        return (
            failure.check == self.check
            and self.operation in ("*", failure.operation)
            and failure.status == self.status
            and message_matches
            and re.search(self.detail, failure.explanation) is not None
        )


DEVIATIONS: tuple[Deviation, ...] = (
    # --- statuses the spec leaves out
    Deviation(
        "status_code_conformance",
        "*",
        400,
        r".",
        "The spec documents no 400 for any operation, yet the real API answers invalid input (a malformed body, "
        "a value outside its schema) with 400 and a {message}; the provider relies on that to fail fast.",
    ),
    Deviation(
        "status_code_conformance",
        "*",
        404,
        r"not found",
        "The spec documents no 404 either; the real API answers an unknown project, function or organization "
        "with 404 and a {message}, which the provider's idempotent operators look for.",
    ),
    # --- values the spec types loosely and the real API validates
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects",
        400,
        r"one of 'region' or 'region_selection' is required",
        "The spec makes neither region field required; a project has to live somewhere and the provider always "
        "sends one, so the emulator refuses rather than invent a default region.",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects",
        400,
        r"^Invalid request body: specify only one of region or region_selection$",
        "Both region fields at once are contradictory (region is the deprecated spelling of region_selection).",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/secrets",
        400,
        r"^Invalid secret name '' at \$\[\d+\]\.name: names must not be empty$",
        "The spec puts no minLength on a secret name; an empty name cannot be an environment variable.",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/functions",
        400,
        r"^Function [A-Za-z0-9_-]+ already exists$",
        "Slugs are unique within a project: a second create is refused with 400 (the provider adopts the "
        "existing function on it).",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/functions/deploy",
        400,
        r"entrypoint_path .* is not among the uploaded files",
        "A deploy must upload its entrypoint: a function cannot be bundled without it.",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/functions/deploy",
        400,
        r"^Missing required query parameter: slug$",
        "The spec marks slug optional, but a deploy without one names no function; the provider always sends it.",
    ),
    Deviation(
        "positive_data_acceptance",
        "GET /v1/projects/{ref}/types/typescript",
        400,
        r"^Invalid schema name .* in included_schemas$",
        "included_schemas is typed as any string; only PostgreSQL identifiers name a schema to generate.",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/custom-hostname/initialize",
        400,
        r"^Invalid custom hostname ",
        "custom_hostname is typed as any string of 1 to 253 characters; only a DNS name of two or more labels "
        "can get a certificate, so the emulator refuses the rest up front.",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/network-restrictions/apply",
        400,
        r"is not a valid IPv[46] CIDR$",
        "dbAllowedCidrs(V6) are typed as any strings; a restriction that is not a CIDR of the right IP "
        "version cannot be applied, and the provider validates the same before sending.",
    ),
    Deviation(
        "positive_data_acceptance",
        "DELETE /v1/projects/{ref}/network-bans",
        400,
        r"is not an IPv4 address$",
        "ipv4_addresses are typed as any strings; only an IPv4 address can be unbanned.",
    ),
    Deviation(
        "positive_data_acceptance",
        "*",
        400,
        r"^Failed to (run (read-only )?sql query|apply database migration): ERROR: ",
        "query is typed as any non-empty string; text that is not SQL, or SQL that fails (a table that already "
        "exists), is refused by PostgreSQL, and the API answers 400 with the database's message.",
    ),
    Deviation(
        "positive_data_acceptance",
        "PATCH /v1/projects/{ref}/database/password",
        400,
        r"^Password is too weak",
        "The spec only asks for 4 characters; the real API refuses a weak password, and so does the emulator.",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/config/auth/signing-keys",
        400,
        r"^A standby signing key already exists|needs a key of type",
        "A project has one standby key at a time, and an imported key must be of the algorithm's key type "
        "(the spec does not tie private_jwk's kty to algorithm).",
    ),
    Deviation(
        "positive_data_acceptance",
        "POST /v1/projects/{ref}/config/auth/signing-keys/legacy",
        400,
        r"already imported",
        "The legacy JWT secret is imported once.",
    ),
    Deviation(
        "positive_data_acceptance",
        "PATCH /v1/projects/{ref}/config/auth/signing-keys/{id}",
        400,
        r"^A signing key cannot move from",
        "Any status is valid in the body, but a key only moves standby -> in_use and previously_used <-> revoked "
        "(the key in use retires when another is promoted), as on the real API.",
    ),
    Deviation(
        "positive_data_acceptance",
        "DELETE /v1/projects/{ref}/config/auth/signing-keys/{id}",
        400,
        r"^Only revoked signing keys can be deleted",
        "Only a revoked key can be deleted, as on the real API.",
    ),
    # --- where the emulator is more lenient than the spec
    Deviation(
        "negative_data_rejection",
        "PATCH /v1/projects/{ref}/functions/{function_slug}",
        200,
        None,
        "The spec marks the PATCH body required, but every field of it is optional and the query parameters "
        "carry the same fields, so an update given only in the query is accepted.",
        detail=r"Missing request body",
    ),
    Deviation(
        "negative_data_rejection",
        "POST /v1/projects/{ref}/functions/deploy",
        201,
        None,
        "Not the emulator: schemathesis sometimes labels as negative a multipart case whose mutation left it "
        "valid (its description is 'positive test case', the extra parts are allowed by the schema).",
        detail=r"Invalid component: positive test case$",
    ),
    # --- methods and media types
    Deviation(
        "allow_header_conformance",
        "*",
        405,
        r"^Method \w+ is not allowed on /v1/projects/\{ref\}(/network-restrictions|/functions)?$",
        "The spec also lists DELETE and PATCH /v1/projects/{ref}, PATCH .../network-restrictions and PUT "
        ".../functions; the provider never calls them, so the emulator does not serve them and Allow says so.",
        detail=r"Missing documented methods",
    ),
    Deviation(
        "allow_header_conformance",
        "POST /v1/projects/{ref}/functions/deploy",
        405,
        r"^Method \w+ is not allowed on /v1/projects/\{ref\}/functions/deploy$",
        "A function may be named 'deploy', so .../functions/deploy also answers GET, PATCH and DELETE for it "
        "through .../functions/{function_slug}, and Allow lists those too.",
        detail=r"Undocumented methods advertised: DELETE, GET, PATCH\n",
    ),
    Deviation(
        "allow_header_conformance",
        "*",
        405,
        r"^Method \w+ is not allowed on /v1/projects/\{ref\}/database/migrations$",
        "The spec also lists PUT (record without applying) and DELETE (roll back) on the migration history; the "
        "provider calls only GET and POST, so the emulator serves those and Allow says so.",
        detail=r"Missing documented methods",
    ),
    Deviation(
        "content_type_conformance",
        "GET /v1/projects/{ref}/functions/{function_slug}/body",
        200,
        None,
        "The spec types the body as an empty JSON object (NestJS's StreamableFile); the real API streams the "
        "function's source file, which the emulator serves as application/typescript.",
        detail=r"Received: application/typescript",
    ),
)


@dataclass
class Failure:
    check: str
    operation: str
    code: str
    explanation: str
    request: str
    status: int | None
    message: str | None
    body: bytes

    def expected(self) -> bool:
        return any(deviation.matches(self) for deviation in DEVIATIONS)

    def __str__(self) -> str:
        response = f"{self.status} {self.body[:300]!r}"
        return f"{self.code} {self.check} on {self.operation} ({self.explanation}): {self.request} -> {response}"


@dataclass
class Run:
    failures: list[Failure] = field(default_factory=list)
    # (METHOD, path template) -> status codes the emulator answered during the run
    statuses: dict[tuple[str, str], Counter[int]] = field(default_factory=dict)
    # Requests with a method the spec does not list for the path: (method, template, status)
    unlisted: list[tuple[str, str, int | None]] = field(default_factory=list)
    # Links (response of one operation -> parameters of the next) the stateful phase followed
    links: set[str] = field(default_factory=set)

    def unexpected(self) -> list[str]:
        return [str(f) for f in self.failures if not f.expected()]


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.fail(f"The Management API spec is missing: expected {SPEC_PATH} (spec/README.md)")
    return json.loads(SPEC_PATH.read_text())


@pytest.fixture(scope="module")
def api_emulator() -> Iterator[Emulator]:
    # Every request of the run must reach the handlers: a 429 would test the limiter, not the endpoint.
    with Emulator(project_ready_seconds=0, rate_limit=1_000_000, hostname_rate_limit=1_000_000) as emu:
        yield emu


@dataclass
class Seeded:
    emulator: Emulator
    session: requests.Session
    org: str
    ref: str

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.emulator.url}/v1/projects/{self.ref}{path}", timeout=5, **kwargs)

    def ensure_function(self) -> None:
        if self.call("GET", f"/functions/{PINNED_SLUG}").status_code == 404:
            created = self.call(
                "POST", "/functions", json={"slug": PINNED_SLUG, "name": "Hello", "body": PINNED_SOURCE}
            )
            assert created.status_code == 201, created.text

    def ensure_api_key(self) -> str:
        keys = self.call("GET", "/api-keys").json()
        found = [k["id"] for k in keys if k["name"] == "conformance_key"]
        if found:
            return str(found[0])
        created = self.call("POST", "/api-keys", json={"type": "secret", "name": "conformance_key"})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def signing_keys(self) -> dict[str, list[str]]:
        by_status: dict[str, list[str]] = {}
        for key in self.call("GET", "/config/auth/signing-keys").json()["keys"]:
            by_status.setdefault(key["status"], []).append(key["id"])
        return by_status

    def ensure_revoked_signing_key(self) -> str:
        """A revoked key (made by promoting new keys over the one in use, then revoking the retired one)."""
        keys = self.signing_keys()
        if keys.get("revoked"):
            return keys["revoked"][0]
        while not self.signing_keys().get("previously_used"):
            self.call("POST", "/config/auth/signing-keys", json={"algorithm": "ES256", "status": "in_use"})
        retired = self.signing_keys()["previously_used"][0]
        self.call("PATCH", f"/config/auth/signing-keys/{retired}", json={"status": "revoked"})
        return retired

    def clear_standby_signing_key(self) -> None:
        for key_id in self.signing_keys().get("standby", []):
            self.call("PATCH", f"/config/auth/signing-keys/{key_id}", json={"status": "in_use"})

    def ensure_legacy_signing_key(self) -> None:
        if self.call("GET", "/config/auth/signing-keys/legacy").status_code == 404:
            self.call("POST", "/config/auth/signing-keys/legacy")

    def ensure_hostname(self, wanted: str) -> None:
        """Walk the custom hostname forward to ``wanted`` (initialized or ready to activate)."""
        status = self.call("GET", "/custom-hostname").json()["status"]
        if status in ("1_not_started", "5_services_reconfigured"):
            if status == "5_services_reconfigured":
                self.call("DELETE", "/custom-hostname")
            self.call("POST", "/custom-hostname/initialize", json={"custom_hostname": "docs.example.com"})
        if wanted == "4_origin_setup_completed":
            for _ in range(2):
                if self.call("GET", "/custom-hostname").json()["status"] == wanted:
                    break
                self.call("POST", "/custom-hostname/reverify")


@contextmanager
def _seeded(emulator: Emulator) -> Iterator[Seeded]:
    """An emptied emulator with one organization, one ACTIVE_HEALTHY project and the pinned function."""
    emulator.reset()
    org = emulator.seed_organization("Acme")["slug"]
    ref = str(emulator.seed_project("acme-prod", org)["ref"])
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        seeded = Seeded(emulator, session, org, ref)
        seeded.ensure_function()
        yield seeded


def _preconditions(seeded: Seeded) -> Callable[..., None]:
    """A before_call hook: puts back what earlier cases used up, so pinned cases get real responses."""
    from schemathesis import GenerationMode

    def before_call(context: Any, case: Any, kwargs: Any) -> None:
        template = case.operation.path
        # Only valid cases get their body completed: editing an invalid one could make it valid, or hide why not.
        body = case.body if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE else None
        if (case.method.upper(), template) == ("POST", "/v1/projects") and isinstance(body, dict):
            # The spec cannot know which organizations exist.
            for key in ("organization_slug", "organization_id"):
                if isinstance(body.get(key), str):
                    body[key] = seeded.org
        elif template.endswith("/functions/deploy") and isinstance(body, dict):
            metadata = body.get("metadata")
            # requests names an uploaded part after its field, "file"; the entrypoint must be one of the uploads.
            if isinstance(metadata, dict) and isinstance(metadata.get("entrypoint_path"), str) and body.get("file"):
                metadata["entrypoint_path"] = "file"
        elif "{function_slug}" in template and case.path_parameters.get("function_slug") == PINNED_SLUG:
            seeded.ensure_function()
        elif template.endswith("/api-keys/{id}") and case.path_parameters.get("id") == PINNED_KEY_ID:
            case.path_parameters["id"] = seeded.ensure_api_key()
        elif template.endswith("/signing-keys/{id}") and case.path_parameters.get("id") == PINNED_KEY_ID:
            case.path_parameters["id"] = seeded.ensure_revoked_signing_key()
        elif template.endswith("/signing-keys/legacy") and case.method.upper() == "GET":
            seeded.ensure_legacy_signing_key()
        elif template.endswith("/signing-keys") and case.method.upper() == "POST":
            seeded.clear_standby_signing_key()
        elif template.endswith("/custom-hostname/reverify"):
            seeded.ensure_hostname("2_initiated")
        elif template.endswith("/custom-hostname/activate"):
            seeded.ensure_hostname("4_origin_setup_completed")

    return before_call


# Values fed back from responses (random refs, uuids, timestamps) would make the generated cases differ from run
# to run; without them the stateless cases depend on the seed alone.  The stateful phase needs them: its links
# carry what a create returned into the next request.
_REPLAYABLE: dict[str, Any] = {"extra-data-sources": {"responses": False}}


def _run(spec: dict[str, Any], seeded: Seeded, phases: tuple[str, ...], parameters: dict[str, str]) -> Run:
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    operation_ids = [spec["paths"][path][method.lower()]["operationId"] for method, path in FUZZED_OPERATIONS]
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": seeded.emulator.url,
            "workers": 1,
            # Every example of every operation runs: a listed deviation must not hide what follows it.
            "continue-on-failure": True,
            "headers": {"Authorization": f"Bearer {TOKEN}"},
            "parameters": parameters,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "cache": {"enabled": False},
            "phases": {
                "examples": {"enabled": "examples" in phases, **_REPLAYABLE},
                "coverage": {"enabled": "coverage" in phases, **_REPLAYABLE},
                "fuzzing": {"enabled": "fuzzing" in phases, **_REPLAYABLE, "error-feedback": {"enabled": False}},
                "stateful": {"enabled": "stateful" in phases},
            },
        }
    )
    schema = schemathesis.openapi.from_dict(spec, config=config).include(operation_id=operation_ids)
    hook = GLOBAL_HOOK_DISPATCHER.register_hook_with_name(_preconditions(seeded), "before_call")
    run = Run()
    log_start = len(seeded.emulator.requests)
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.FatalError):
                raise event.exception
            if isinstance(event, events.NonFatalError):
                raise AssertionError(f"schemathesis error on {event.label}: {event.value!r}")
            if isinstance(event, events.ScenarioFinished):
                run.failures.extend(_failures(event.recorder))
                run.links.update(
                    node.transition.id
                    for node in event.recorder.cases.values()
                    if node.transition is not None and node.is_transition_applied
                )
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(hook)
    for record in seeded.emulator.requests[log_start:]:
        if record.template is None:
            continue
        listed = {m.upper() for m in spec["paths"].get(record.template, {}) if m.upper() in HTTP_METHODS}
        if record.method not in listed:
            run.unlisted.append((record.method, record.template, record.status))
        elif record.status is not None:
            run.statuses.setdefault((record.method, record.template), Counter())[record.status] += 1
    return run


def _failures(recorder: Any) -> Iterator[Failure]:
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            node = recorder.cases.get(case_id)
            # Stateful scenarios are labelled as a whole; the failing step's own operation is what deviations name.
            operation = recorder.label if node is None else node.value.operation.label
            interaction = recorder.interactions.get(case_id)
            response = None if interaction is None else interaction.response
            body = b"" if response is None else response.content
            message = None
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
                message = parsed["message"]
            yield Failure(
                check=check.name,
                operation=operation,
                code=check.failure_info.failure.code,
                explanation=f"{check.failure_info.failure.title}: {check.failure_info.failure.message}",
                request="?" if interaction is None else f"{interaction.request.method} {interaction.request.uri}",
                status=None if response is None else response.status_code,
                message=message,
                body=body,
            )


@pytest.fixture(scope="module")
def stateless(spec: dict[str, Any], api_emulator: Emulator) -> Run:
    with _seeded(api_emulator) as seeded:
        pinned = {"path.ref": seeded.ref, "path.function_slug": PINNED_SLUG, "path.id": PINNED_KEY_ID}
        return _run(spec, seeded, ("examples", "coverage", "fuzzing"), pinned)


@pytest.fixture(scope="module")
def stateful(spec: dict[str, Any], api_emulator: Emulator) -> Run:
    with _seeded(api_emulator) as seeded:
        # Only the project is pinned: a pinned function slug would override the slug a link carries from a
        # create to the reads that follow it (and make the create look unreadable).
        return _run(spec, seeded, ("stateful",), {"path.ref": seeded.ref})


# --------------------------------------------------------------------------------------------------- tests


def test_every_operation_the_provider_calls_is_in_the_spec(spec: dict[str, Any]) -> None:
    missing = [f"{m} {p}" for m, p in sorted(PROVIDER_OPERATIONS) if m.lower() not in spec["paths"].get(p, {})]
    assert missing == []
    assert len(PROVIDER_OPERATIONS) == 69


def test_every_operation_answers_successfully_at_least_once(stateless: Run) -> None:
    never = sorted(
        f"{m} {p}: {dict(stateless.statuses.get((m, p), {}))}"
        for m, p in FUZZED_OPERATIONS
        if not any(200 <= s < 300 for s in stateless.statuses.get((m, p), {}))
    )
    assert never == []


def test_no_server_errors(stateless: Run, stateful: Run) -> None:
    errors = [str(f) for f in stateless.failures + stateful.failures if f.check == "not_a_server_error"]
    assert errors == []


def test_responses_match_the_spec_schemas(stateless: Run, stateful: Run) -> None:
    violations = [str(f) for f in stateless.failures + stateful.failures if f.check == "response_schema_conformance"]
    assert violations == []


def test_methods_the_spec_does_not_list_answer_405_json_with_allow(stateless: Run) -> None:
    probed = {method for method, _, _ in stateless.unlisted}
    assert {"TRACE"} <= probed, probed
    wrong = [(m, t, s) for m, t, s in stateless.unlisted if s != 405]
    assert wrong == []
    checks = ("unsupported_method", "allow_header_conformance")
    assert [str(f) for f in stateless.failures if f.check in checks and not f.expected()] == []


def test_stateless_run_finds_nothing_but_the_listed_deviations(stateless: Run) -> None:
    unexpected = stateless.unexpected()
    assert not unexpected, "\n\n".join(unexpected)


def test_stateful_run_reads_back_what_it_creates(stateful: Run) -> None:
    # The walk is seeded, and which of the created function's operations it follows depends on every operation in
    # the run: any of them proves that the link carried the created slug into the next request.
    followed = {link for link in stateful.links if link.startswith("POST /v1/projects/{ref}/functions -> [201]")}
    assert any(link.endswith(" /v1/projects/{ref}/functions/{function_slug}") for link in followed), followed
    lost = [str(f) for f in stateful.failures if f.check in ("ensure_resource_availability", "use_after_free")]
    assert not lost, "\n\n".join(lost)
    unexpected = stateful.unexpected()
    assert not unexpected, "\n\n".join(unexpected)
