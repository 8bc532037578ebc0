"""The emulated account (organizations, projects, their resources) and the business rules of each endpoint.

Not thread-safe on its own: the gateway calls every method with its single lock held.  Handlers take a
:class:`~airflow_provider_supabase.emulator.wire.Call` and return an encoded
:class:`~airflow_provider_supabase.emulator.wire.Reply`, or raise ``ApiError``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import re
import secrets as secrets_module
import string
import time
import uuid
from typing import Any

from airflow_provider_supabase.emulator import schemas
from airflow_provider_supabase.emulator.branches import BranchHandlers
from airflow_provider_supabase.emulator.model import (
    HOSTNAME_STEPS,
    Function,
    Project,
    Secret,
    blank_hostname,
    deep_copy,
    epoch_ms,
    find_file,
    sha256_hex,
    utc_now_iso,
)
from airflow_provider_supabase.emulator.multipart import parse_form_data
from airflow_provider_supabase.emulator.provisioning import (
    ProvisioningHandlers,
    new_api_keys,
    new_auth_config,
    new_postgrest_config,
)
from airflow_provider_supabase.emulator.rotation import RotationHandlers
from airflow_provider_supabase.emulator.typescript import generate_types
from airflow_provider_supabase.emulator.validation import parse_json_text, validate
from airflow_provider_supabase.emulator.wire import (
    ApiError,
    Call,
    Reply,
    empty_reply,
    json_reply,
)

_REF = re.compile(r"^[a-z]{20}$")
_SLUG = re.compile(schemas.SLUG_PATTERN)
_DEPLOY_SLUG = re.compile(schemas.DEPLOY_SLUG_PATTERN)
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_DB_VERSION = "17.4.1.054"
_DEFAULT_ENTRYPOINT = "index.ts"


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(400, f"Invalid query parameter {name}: expected true or false")


class State(ProvisioningHandlers, RotationHandlers, BranchHandlers):
    """Everything the emulated API knows. Call with the gateway lock held."""

    def __init__(self, project_ready_seconds: float = 3.0, bundle_secret: bytes | None = None) -> None:
        self.project_ready_seconds = project_ready_seconds
        self._bundle_secret = secrets_module.token_bytes(32) if bundle_secret is None else bundle_secret
        self._random = random.SystemRandom()
        self.organizations: dict[str, dict[str, str]] = {}
        self.projects: dict[str, Project] = {}
        self.project_plans: dict[str, str] = {}
        self.hostname_plans: dict[str, str] = {}
        self.pause_plans: dict[str, str] = {}
        self.restore_plans: dict[str, str] = {}
        self.deleted: list[str] = []
        self.branches: dict[str, Any] = {}
        self.branching: set[str] = set()
        self.branch_plans: dict[tuple[str, str], tuple[str, str]] = {}
        self.branches_held = False

    # ------------------------------------------------------------------ helpers

    def _bundle_hash(self, files: dict[str, bytes], entrypoint_path: str, import_map_path: str | None) -> str:
        """The ``ezbr_sha256`` of a function: like the real API's hash of the eszip bundle it builds, it depends
        on the sources but no client can reproduce it, so clients cannot use it to tell whether a deploy would
        change anything."""
        bundle = hmac.new(self._bundle_secret, digestmod=hashlib.sha256)
        for part in (entrypoint_path, import_map_path or ""):
            bundle.update(part.encode("utf-8") + b"\0")
        for path in sorted(files):
            bundle.update(path.encode("utf-8") + b"\0" + hashlib.sha256(files[path]).digest())
        return bundle.hexdigest()

    def _new_id(self) -> str:
        while True:
            candidate = "".join(self._random.choice(string.ascii_lowercase) for _ in range(20))
            if candidate not in self.projects and candidate not in self.organizations:
                return candidate

    def project_status(self, project: Project) -> str:
        if project.forced_status is not None:
            return project.forced_status
        if project.transition is not None:
            return str(project.transition.status(self.project_ready_seconds))
        ready = self.project_ready_seconds
        elapsed = time.monotonic() - project.born
        if ready <= 0 or elapsed >= ready:
            return project.final_status
        return "UNKNOWN" if elapsed < ready / 3 else "COMING_UP"

    def project_view(self, project: Project, *, database: bool = True) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": project.ref,
            "ref": project.ref,
            "organization_id": project.organization_slug,
            "organization_slug": project.organization_slug,
            "name": project.name,
            "region": project.region,
            "created_at": project.created_at,
            "status": self.project_status(project),
        }
        if database:
            view["database"] = {
                "host": f"db.{project.ref}.supabase.co",
                "version": _DB_VERSION,
                "postgres_engine": "17",
                "release_channel": "ga",
            }
        return view

    def _project(self, call: Call) -> Project:
        ref = call.params["ref"]
        if not _REF.fullmatch(ref):
            raise ApiError(400, f"Invalid project ref {ref!r}: a project ref is exactly 20 lowercase letters")
        project = self.projects.get(ref)
        if project is None:
            raise ApiError(404, "Project not found")
        return project

    def project_ref(self, call: Call) -> str:
        return self._project(call).ref

    @staticmethod
    def _check_slug(slug: str) -> None:
        if not _SLUG.fullmatch(slug):
            raise ApiError(400, f"Invalid function slug {slug!r}: it must match {schemas.SLUG_PATTERN}")

    def _function(self, call: Call) -> tuple[Project, Function]:
        project = self._project(call)
        slug = call.params["function_slug"]
        self._check_slug(slug)
        function = project.functions.get(slug)
        if function is None:
            raise ApiError(404, "Function not found")
        return project, function

    @staticmethod
    def _json_body(call: Call) -> Any:
        if call.json_error is not None:
            raise ApiError(400, f"Invalid request body: {call.json_error}")
        if not call.body.strip():
            raise ApiError(400, "Invalid request body: a JSON body is required")
        if not call.is_json:
            raise ApiError(400, f"Invalid request body: expected application/json, got {call.content_type}")
        return call.json

    @classmethod
    def _json(cls, call: Call, schema: schemas.Schema) -> Any:
        body = cls._json_body(call)
        validate(body, schema)
        return body

    def _create_project(
        self,
        name: str,
        organization_slug: str,
        region: str,
        db_pass: str,
        **extra: Any,
    ) -> Project:
        ref = self._new_id()
        now = utc_now_iso()
        project = Project(
            ref=ref,
            name=name,
            organization_slug=organization_slug,
            region=region,
            created_at=now,
            born=time.monotonic(),
            db_pass=db_pass,
            final_status=self.project_plans.get(name, "ACTIVE_HEALTHY"),
            hostname=blank_hostname(ref),
            root_key=secrets_module.token_hex(32),
            network_restrictions={
                "entitlement": "allowed",
                "config": {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]},
                "status": "applied",
                "updated_at": now,
                "applied_at": now,
            },
            auth_config=new_auth_config(ref),
            postgrest_config=new_postgrest_config(),
            api_keys=new_api_keys(ref),
            **extra,
        )
        self.projects[ref] = project
        return project

    # ------------------------------------------------------------ organizations

    def list_organizations(self, call: Call) -> Reply:
        return json_reply(200, [dict(org) for org in self.organizations.values()])

    def create_organization(self, call: Call) -> Reply:
        body = self._json(call, schemas.CREATE_ORGANIZATION)
        return json_reply(201, self.seed_organization(body["name"]))

    # ----------------------------------------------------------------- projects

    def list_projects(self, call: Call) -> Reply:
        return json_reply(200, [self.project_view(p) for p in self.projects.values()])

    def create_project(self, call: Call) -> Reply:
        body = self._json(call, schemas.CREATE_PROJECT)
        org_id, org_slug = body.get("organization_id"), body.get("organization_slug")
        if org_id is not None and org_slug is not None and org_id != org_slug:
            raise ApiError(400, "Invalid request body: organization_id and organization_slug differ")
        slug = org_slug if org_slug is not None else org_id
        if slug is None:
            raise ApiError(400, "Invalid request body: $: 'organization_slug' is a required property")
        region, selection = body.get("region"), body.get("region_selection")
        if region is not None and selection is not None:
            raise ApiError(400, "Invalid request body: specify only one of region or region_selection")
        if selection is not None:
            code = selection["code"]
            region = schemas.SMART_GROUP_REGIONS[code] if selection["type"] == "smartGroup" else code
        if region is None:
            raise ApiError(400, "Invalid request body: $: one of 'region' or 'region_selection' is required")
        if slug not in self.organizations:
            raise ApiError(404, f"Organization {slug} not found")
        project = self._create_project(
            body["name"],
            slug,
            region,
            body["db_pass"],
            plan=body.get("plan"),
            desired_instance_size=body.get("desired_instance_size"),
            template_url=body.get("template_url"),
        )
        return json_reply(201, self.project_view(project, database=False))

    def get_project(self, call: Call) -> Reply:
        return json_reply(200, self.project_view(self._project(call)))

    def get_health(self, call: Call) -> Reply:
        project = self._project(call)
        services: list[str] = []
        for raw in call.query.get("services", []):
            services.extend(s.strip() for s in raw.split(",") if s.strip())
        if not services:
            raise ApiError(400, "Missing required query parameter: services")
        for service in services:
            if service not in schemas.HEALTH_SERVICES:
                allowed = ", ".join(schemas.HEALTH_SERVICES)
                raise ApiError(400, f"Invalid service {service!r}: expected one of {allowed}")
        timeout_ms = call.query_value("timeout_ms")
        if timeout_ms is not None and not (re.fullmatch(r"[0-9]{1,5}", timeout_ms) and int(timeout_ms) <= 10_000):
            raise ApiError(400, "Invalid query parameter timeout_ms: expected an integer from 0 to 10000")
        status = self.project_status(project)
        if status == "ACTIVE_HEALTHY":
            health = "ACTIVE_HEALTHY"
        elif status in ("UNKNOWN", "COMING_UP"):
            health = "COMING_UP"
        else:
            health = "UNHEALTHY"
        payload = [{"name": s, "healthy": health == "ACTIVE_HEALTHY", "status": health} for s in services]
        return json_reply(200, payload)

    # ------------------------------------------------------------------ secrets

    def list_secrets(self, call: Call) -> Reply:
        project = self._project(call)
        payload = [
            {"name": name, "value": sha256_hex(secret.value), "updated_at": secret.updated_at}
            for name, secret in sorted(project.secrets.items())
        ]
        return json_reply(200, payload)

    def create_secrets(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json_body(call)
        if not isinstance(body, list):
            raise ApiError(400, "Invalid request body: $: expected array")
        # Everything is checked before anything is stored: the real endpoint is all-or-nothing.
        for index, item in enumerate(body):
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str) and name.startswith("SUPABASE_"):
                raise ApiError(400, f"Invalid secret name {name!r}: the SUPABASE_ prefix is reserved")
            if name == "":
                raise ApiError(400, f"Invalid secret name '' at $[{index}].name: names must not be empty")
            try:
                validate(item, schemas.CREATE_SECRETS["items"], root=f"$[{index}]")
            except ApiError as exc:
                if isinstance(name, str):
                    exc.message += f" (secret {name!r})"
                raise
        now = utc_now_iso()
        for item in body:
            project.secrets[item["name"]] = Secret(item["value"], now)
        return empty_reply(201)

    def delete_secrets(self, call: Call) -> Reply:
        project = self._project(call)
        for name in self._json(call, schemas.DELETE_SECRETS):
            project.secrets.pop(name, None)
        return json_reply(200, {})

    # -------------------------------------------------------------------- types

    def get_typescript_types(self, call: Call) -> Reply:
        self._project(call)
        raw = call.query_value("included_schemas") or "public"
        names: list[str] = []
        for name in (part.strip() for part in raw.split(",")):
            if not name or name in names:
                continue
            if not _SCHEMA_NAME.fullmatch(name):
                raise ApiError(400, f"Invalid schema name {name!r} in included_schemas")
            names.append(name)
        return json_reply(200, {"types": generate_types(names or ["public"])})

    # ---------------------------------------------------------------- functions

    @staticmethod
    def _function_fields(call: Call, schema: schemas.Schema) -> dict[str, Any]:
        """Merge query parameters and the body (JSON object or raw source) into one dict; the body wins."""
        fields: dict[str, Any] = {}
        slug = call.query_value("slug")
        if slug is not None and not _SLUG.fullmatch(slug):
            raise ApiError(400, f"Invalid query parameter slug: it must match {schemas.SLUG_PATTERN}")
        for key in ("slug", "name", "entrypoint_path", "import_map_path"):
            value = call.query_value(key)
            if value is not None:
                fields[key] = value
        for key in ("verify_jwt", "import_map"):
            value = call.query_value(key)
            if value is not None:
                fields[key] = _parse_bool(key, value)
        if call.is_json:
            if call.json_error is not None:
                raise ApiError(400, f"Invalid request body: {call.json_error}")
            if call.body.strip():
                # A JSON body is the whole V1CreateFunctionBody / V1UpdateFunctionBody: it must be valid on its
                # own; the query parameters belong to the raw-source (eszip) form of the request.
                validate(call.json, schema)
                fields.update(call.json)
        elif call.body:
            # Non-JSON bodies are the function source itself, as with the real eszip upload.
            fields["body"] = call.body.decode("utf-8", "replace")
        validate(fields, schema)
        return fields

    def list_functions(self, call: Call) -> Reply:
        project = self._project(call)
        return json_reply(200, [f.view() for f in project.functions.values()])

    def create_function(self, call: Call) -> Reply:
        project = self._project(call)
        fields = self._function_fields(call, schemas.CREATE_FUNCTION)
        slug = fields["slug"]
        if slug in project.functions:
            raise ApiError(400, f"Function {slug} already exists")
        now = epoch_ms()
        import_map_path = fields.get("import_map_path")
        function = Function(
            id=str(uuid.uuid4()),
            slug=slug,
            name=fields["name"],
            version=1,
            created_at=now,
            updated_at=now,
            verify_jwt=fields.get("verify_jwt", True),
            entrypoint_path=fields.get("entrypoint_path", _DEFAULT_ENTRYPOINT),
            import_map_path=import_map_path,
            import_map=bool(fields.get("import_map", import_map_path is not None)),
            static_patterns=[],
            body=fields["body"],
            files=None,
            ezbr_sha256="",
        )
        function.ezbr_sha256 = self._body_bundle_hash(function)
        project.functions[slug] = function
        return json_reply(201, function.view())

    def _body_bundle_hash(self, function: Function) -> str:
        source = {function.entrypoint_path: function.body.encode("utf-8")}
        return self._bundle_hash(source, function.entrypoint_path, None)

    def get_function(self, call: Call) -> Reply:
        _, function = self._function(call)
        return json_reply(200, {**function.view(), "body": function.source().decode("utf-8", "replace")})

    def update_function(self, call: Call) -> Reply:
        _, function = self._function(call)
        fields = self._function_fields(call, schemas.UPDATE_FUNCTION)
        function.name = fields.get("name", function.name)
        # Real-API quirk: an update that does not say verify_jwt turns JWT verification back on.
        function.verify_jwt = fields.get("verify_jwt", True)
        if "body" in fields:
            function.body = fields["body"]
            function.files = None
        if "entrypoint_path" in fields:
            function.entrypoint_path = fields["entrypoint_path"]
        if "import_map_path" in fields:
            function.import_map_path = fields["import_map_path"]
            function.import_map = True
        if "import_map" in fields:
            function.import_map = fields["import_map"]
        if function.files is None:
            function.ezbr_sha256 = self._body_bundle_hash(function)
        function.touch()
        return json_reply(200, function.view())

    def delete_function(self, call: Call) -> Reply:
        project, function = self._function(call)
        del project.functions[function.slug]
        return empty_reply(200)

    def get_function_body(self, call: Call) -> Reply:
        _, function = self._function(call)
        return Reply(200, function.source(), "application/typescript")

    def deploy_function(self, call: Call) -> Reply:
        project = self._project(call)
        slug = call.query_value("slug")
        if not slug:
            raise ApiError(400, "Missing required query parameter: slug")
        if not _DEPLOY_SLUG.fullmatch(slug):
            raise ApiError(
                400,
                f"Invalid function slug {slug!r}: a deployed function's slug must match {schemas.DEPLOY_SLUG_PATTERN}",
            )
        bundle_only = call.query_value("bundleOnly")
        if bundle_only is not None:
            _parse_bool("bundleOnly", bundle_only)
        parts = parse_form_data(call.content_type, call.body)
        metadata_parts = [p for p in parts if p.name == "metadata"]
        if not metadata_parts:
            raise ApiError(400, "Invalid request body: the metadata part is required")
        metadata = parse_json_text(metadata_parts[0].content, "metadata")
        validate(metadata, schemas.DEPLOY_METADATA, root="$.metadata")
        files: dict[str, bytes] = {}
        for part in parts:
            if part.name != "file":
                continue
            if not part.filename:
                raise ApiError(400, "Invalid request body: a file part has no filename")
            files[part.filename] = part.content
        entrypoint = find_file(files, metadata["entrypoint_path"])
        if entrypoint is None:
            uploaded = ", ".join(sorted(files)) or "none"
            raise ApiError(
                400,
                f"Invalid request body: entrypoint_path {metadata['entrypoint_path']!r} is not among the "
                f"uploaded files ({uploaded})",
            )
        import_map_path = metadata.get("import_map_path")
        function = project.functions.get(slug)
        if function is None:
            now = epoch_ms()
            function = Function(
                id=str(uuid.uuid4()),
                slug=slug,
                name=slug,
                version=0,
                created_at=now,
                updated_at=now,
                verify_jwt=True,
                entrypoint_path=metadata["entrypoint_path"],
                import_map_path=None,
                import_map=False,
                static_patterns=[],
                body="",
                files=None,
                ezbr_sha256="",
            )
            project.functions[slug] = function
        function.name = metadata.get("name", function.name)
        # Same quirk as PATCH: a deploy without verify_jwt turns verification back on.
        function.verify_jwt = metadata.get("verify_jwt", True)
        function.entrypoint_path = metadata["entrypoint_path"]
        function.import_map_path = import_map_path
        function.import_map = import_map_path is not None
        function.static_patterns = list(metadata.get("static_patterns", []))
        function.files = files
        function.body = files[entrypoint].decode("utf-8", "replace")
        function.ezbr_sha256 = self._bundle_hash(files, function.entrypoint_path, import_map_path)
        if function.version == 0:
            function.version = 1
        else:
            function.touch()
        return json_reply(201, function.view())

    # ---------------------------------------------------------- custom hostname

    def get_hostname(self, call: Call) -> Reply:
        return json_reply(200, self._project(call).hostname)

    def initialize_hostname(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json(call, schemas.INITIALIZE_HOSTNAME)
        host = body["custom_hostname"].strip().lower().rstrip(".")
        labels = host.split(".")
        if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
            raise ApiError(400, f"Invalid custom hostname {body['custom_hostname']!r}")
        project.hostname = {
            "status": HOSTNAME_STEPS[1],
            "custom_hostname": host,
            "data": {
                "success": True,
                "errors": [],
                "messages": [],
                "result": {
                    "id": str(uuid.uuid4()),
                    "hostname": host,
                    "ssl": {
                        "status": "pending_validation",
                        "validation_records": [
                            {
                                "txt_name": f"_acme-challenge.{host}",
                                "txt_value": secrets_module.token_urlsafe(32),
                            }
                        ],
                        "validation_errors": [],
                    },
                    "ownership_verification": {
                        "type": "txt",
                        "name": f"_cf-custom-hostname.{host}",
                        "value": str(uuid.uuid4()),
                    },
                    "custom_origin_server": f"{project.ref}.supabase.co",
                    "verification_errors": [],
                    "status": "pending",
                },
            },
        }
        return json_reply(201, project.hostname)

    def reverify_hostname(self, call: Call) -> Reply:
        project = self._project(call)
        hostname = project.hostname
        status = hostname["status"]
        result = hostname["data"]["result"]
        if status == HOSTNAME_STEPS[0]:
            raise ApiError(400, f"Custom hostname is not initialized (status {status})")
        if status == HOSTNAME_STEPS[1]:
            ssl_error = self.hostname_plans.get(hostname["custom_hostname"])
            if ssl_error is not None:
                result["ssl"]["status"] = "validation_timed_out"
                result["ssl"]["validation_errors"] = [{"message": ssl_error}]
            else:
                hostname["status"] = HOSTNAME_STEPS[2]
                result["status"] = "active"
        elif status == HOSTNAME_STEPS[2]:
            hostname["status"] = HOSTNAME_STEPS[3]
            result["ssl"]["status"] = "active"
            result["ssl"]["validation_errors"] = []
        return json_reply(201, hostname)

    def activate_hostname(self, call: Call) -> Reply:
        project = self._project(call)
        status = project.hostname["status"]
        if status != HOSTNAME_STEPS[3]:
            raise ApiError(
                400,
                f"Custom hostname cannot be activated from status {status}; it must be {HOSTNAME_STEPS[3]}",
            )
        project.hostname["status"] = HOSTNAME_STEPS[4]
        return json_reply(201, project.hostname)

    def delete_hostname(self, call: Call) -> Reply:
        project = self._project(call)
        # No subscription add-on is emulated, so there is nothing to remove, but the flag must still be a boolean.
        remove_addon = call.query_value("remove_addon")
        if remove_addon is not None:
            _parse_bool("remove_addon", remove_addon)
        project.hostname = blank_hostname(project.ref)
        return empty_reply(200)

    # ----------------------------------------------------------------- pgsodium

    def get_pgsodium(self, call: Call) -> Reply:
        return json_reply(200, {"root_key": self._project(call).root_key})

    def update_pgsodium(self, call: Call) -> Reply:
        project = self._project(call)
        project.root_key = self._json(call, schemas.UPDATE_PGSODIUM)["root_key"]
        return json_reply(200, {"root_key": project.root_key})

    # ------------------------------------------------------------------ network

    def list_network_bans(self, call: Call) -> Reply:
        return json_reply(201, {"banned_ipv4_addresses": list(self._project(call).network_bans)})

    def delete_network_bans(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json(call, schemas.REMOVE_NETWORK_BANS)
        addresses = list(body["ipv4_addresses"])
        for index, address in enumerate(addresses):
            _check_ipv4(address, f"$.ipv4_addresses[{index}]")
        if body.get("requester_ip"):
            addresses.append(call.client_ip)
        project.network_bans = [ip for ip in project.network_bans if ip not in addresses]
        return empty_reply(200)

    def get_network_restrictions(self, call: Call) -> Reply:
        return json_reply(200, self._project(call).network_restrictions)

    def apply_network_restrictions(self, call: Call) -> Reply:
        project = self._project(call)
        body = self._json(call, schemas.APPLY_NETWORK_RESTRICTIONS)
        current = project.network_restrictions["config"]
        config: dict[str, list[str]] = {}
        for key, version in (("dbAllowedCidrs", 4), ("dbAllowedCidrsV6", 6)):
            cidrs = body.get(key, current.get(key, []))
            for index, cidr in enumerate(cidrs):
                _check_cidr(cidr, version, f"$.{key}[{index}]")
            config[key] = list(cidrs)
        now = utc_now_iso()
        project.network_restrictions = {
            "entitlement": "allowed",
            "config": config,
            "old_config": current,
            "status": "applied",
            "updated_at": now,
            "applied_at": now,
        }
        return json_reply(201, project.network_restrictions)

    # ------------------------------------------------------- test-side controls

    def seed_organization(self, name: str) -> dict[str, str]:
        slug = self._new_id()
        self.organizations[slug] = {"id": slug, "slug": slug, "name": name}
        return dict(self.organizations[slug])

    def seed_project(self, name: str, organization_slug: str, region: str, status: str) -> dict[str, Any]:
        if organization_slug not in self.organizations:
            raise KeyError(f"Organization {organization_slug} not found")
        _check_status(status)
        project = self._create_project(name, organization_slug, region, secrets_module.token_urlsafe(16))
        project.forced_status = status
        project.transition = None
        return self.project_view(project)

    def plan_project(self, name: str, final_status: str) -> None:
        _check_status(final_status)
        self.project_plans[name] = final_status

    def set_project_status(self, ref: str, status: str) -> dict[str, Any]:
        _check_status(status)
        project = self.projects.get(ref)
        if project is None:
            raise KeyError(f"Project {ref} not found")
        project.forced_status = status
        project.transition = None
        return self.project_view(project)

    def plan_hostname(self, hostname: str, ssl_error: str) -> None:
        self.hostname_plans[hostname.strip().lower().rstrip(".")] = ssl_error

    def add_network_bans(self, ref: str, addresses: list[str]) -> list[str]:
        project = self.projects.get(ref)
        if project is None:
            raise KeyError(f"Project {ref} not found")
        for address in addresses:
            try:
                ipaddress.IPv4Address(address)
            except ValueError:
                raise ValueError(f"Invalid IPv4 address {address!r}") from None
            if address not in project.network_bans:
                project.network_bans.append(address)
        return list(project.network_bans)

    def seed_secrets(self, ref: str, values: dict[str, str]) -> None:
        """Store secrets as the platform does, reserved ``SUPABASE_*`` names included (the API refuses those)."""
        project = self.projects.get(ref)
        if project is None:
            raise KeyError(f"Project {ref} not found")
        now = utc_now_iso()
        for name, value in values.items():
            project.secrets[name] = Secret(value, now)

    def snapshot(self) -> dict[str, Any]:
        """A fresh, JSON-serialisable copy of everything, including what the API never reveals."""
        projects: dict[str, Any] = {}
        secrets: dict[str, Any] = {}
        functions: dict[str, Any] = {}
        hostnames: dict[str, Any] = {}
        pgsodium: dict[str, Any] = {}
        restrictions: dict[str, Any] = {}
        bans: dict[str, Any] = {}
        for ref, project in self.projects.items():
            projects[ref] = {
                **self.project_view(project),
                "db_pass": project.db_pass,
                "plan": project.plan,
                "desired_instance_size": project.desired_instance_size,
                "template_url": project.template_url,
                "final_status": project.final_status,
                "forced_status": project.forced_status,
                **self.provisioning_snapshot(project),
                **self.rotation_snapshot(project),
            }
            secrets[ref] = {
                name: {"value": s.value, "digest": sha256_hex(s.value), "updated_at": s.updated_at}
                for name, s in project.secrets.items()
            }
            functions[ref] = {slug: f.snapshot() for slug, f in project.functions.items()}
            hostnames[ref] = deep_copy(project.hostname)
            pgsodium[ref] = {"root_key": project.root_key}
            restrictions[ref] = deep_copy(project.network_restrictions)
            bans[ref] = list(project.network_bans)
        return {
            "organizations": {slug: dict(org) for slug, org in self.organizations.items()},
            "projects": projects,
            "secrets": secrets,
            "functions": functions,
            "hostnames": hostnames,
            "pgsodium": pgsodium,
            "network_restrictions": restrictions,
            "network_bans": bans,
            "branches": self.branches_snapshot(),
            "plans": {
                "projects": dict(self.project_plans),
                "hostnames": dict(self.hostname_plans),
                "pause": dict(self.pause_plans),
                "restore": dict(self.restore_plans),
            },
        }


def _check_status(status: str) -> None:
    if status not in schemas.PROJECT_STATUSES:
        expected = ", ".join(schemas.PROJECT_STATUSES)
        raise ValueError(f"Unknown project status {status!r}; expected one of {expected}")


def _check_ipv4(address: str, where: str) -> None:
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise ApiError(400, f"Invalid request body: {where}: {address!r} is not an IPv4 address") from None


def _check_cidr(cidr: str, version: int, where: str) -> None:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        network = None
    if network is None or network.version != version:
        raise ApiError(400, f"Invalid request body: {where}: {cidr!r} is not a valid IPv{version} CIDR")
