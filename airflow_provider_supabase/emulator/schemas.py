"""Request-body JSON schemas of the emulated endpoints, taken from the Supabase Management API OpenAPI spec.

Copied from ``components.schemas`` with documentation-only keywords dropped.  Deliberate adaptations:

* ``CREATE_PROJECT`` accepts both the seed edition (``organization_id``, ``plan``, ``region``) and the
  current one (``organization_slug``, ``region_selection``, ...); the "one organization, one region" rules
  are checked in code so the error messages stay readable.  ``region_selection``'s ``oneOf`` became
  ``if``/``then`` for the same reason.
* Function slugs use the lenient ``^[A-Za-z0-9_-]+$`` pattern of the path and query parameters (a deploy's
  ``slug`` must also start with a letter: ``DEPLOY_SLUG_PATTERN``).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

REGIONS: tuple[str, ...] = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-east-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-central-1",
    "eu-central-2",
    "ca-central-1",
    "ap-south-1",
    "sa-east-1",
)

# The region a smart group lands in; the real API picks one at random within the group.
SMART_GROUP_REGIONS: dict[str, str] = {
    "americas": "us-east-1",
    "emea": "eu-central-1",
    "apac": "ap-southeast-1",
}

INSTANCE_SIZES: tuple[str, ...] = (
    "nano",
    "micro",
    "small",
    "medium",
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
    "24xlarge_optimized_memory",
    "24xlarge_optimized_cpu",
    "24xlarge_high_memory",
    "48xlarge",
    "48xlarge_optimized_memory",
    "48xlarge_optimized_cpu",
    "48xlarge_high_memory",
)

PROJECT_STATUSES: tuple[str, ...] = (
    "INACTIVE",
    "ACTIVE_HEALTHY",
    "ACTIVE_UNHEALTHY",
    "COMING_UP",
    "UNKNOWN",
    "GOING_DOWN",
    "INIT_FAILED",
    "REMOVED",
    "RESTORING",
    "UPGRADING",
    "PAUSING",
    "RESTORE_FAILED",
    "RESTARTING",
    "PAUSE_FAILED",
    "RESIZING",
)

HEALTH_SERVICES: tuple[str, ...] = (
    "auth",
    "db",
    "db_postgres_user",
    "pooler",
    "realtime",
    "rest",
    "storage",
    "pg_bouncer",
)

SLUG_PATTERN = "^[A-Za-z0-9_-]+$"
# The deploy endpoint's slug parameter is stricter than the others: it must start with a letter.
DEPLOY_SLUG_PATTERN = "^[A-Za-z][A-Za-z0-9_-]*$"

# CreateOrganizationV1
CREATE_ORGANIZATION: Schema = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 256}},
    "required": ["name"],
    "additionalProperties": False,
}

# V1CreateProjectBody, widened to the seed edition (see the module docstring).
CREATE_PROJECT: Schema = {
    "type": "object",
    "properties": {
        "db_pass": {"type": "string"},
        "name": {"type": "string", "maxLength": 256},
        "organization_id": {"type": "string"},
        "organization_slug": {"type": "string", "pattern": r"^[\w-]+$"},
        "plan": {"type": "string", "enum": ["free", "pro"]},
        "region": {"type": "string", "enum": list(REGIONS)},
        "region_selection": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["specific", "smartGroup"]},
                "code": {"type": "string", "minLength": 1},
            },
            "required": ["type", "code"],
            "if": {"properties": {"type": {"const": "smartGroup"}}},
            "then": {"properties": {"code": {"enum": list(SMART_GROUP_REGIONS)}}},
            "else": {"properties": {"code": {"enum": list(REGIONS)}}},
        },
        "kps_enabled": {"type": "boolean"},
        "desired_instance_size": {"type": "string", "enum": list(INSTANCE_SIZES)},
        "template_url": {"type": "string", "format": "uri"},
    },
    "required": ["db_pass", "name"],
    "additionalProperties": False,
}

# CreateSecretBody
CREATE_SECRETS: Schema = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 256, "pattern": "^(?!SUPABASE_).*"},
            "value": {"type": "string", "maxLength": 24576},
        },
        "required": ["name", "value"],
    },
}

# DeleteSecretsBody
DELETE_SECRETS: Schema = {"type": "array", "items": {"type": "string"}}

# V1CreateFunctionBody
CREATE_FUNCTION: Schema = {
    "type": "object",
    "properties": {
        "slug": {"type": "string", "pattern": SLUG_PATTERN},
        "name": {"type": "string"},
        "body": {"type": "string"},
        "verify_jwt": {"type": "boolean"},
    },
    "required": ["slug", "name", "body"],
}

# V1UpdateFunctionBody
UPDATE_FUNCTION: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "body": {"type": "string"},
        "verify_jwt": {"type": "boolean"},
    },
}

# FunctionDeployBody.properties.metadata (the multipart envelope is checked in code).
DEPLOY_METADATA: Schema = {
    "type": "object",
    "properties": {
        "entrypoint_path": {"type": "string"},
        "import_map_path": {"type": "string"},
        "static_patterns": {"type": "array", "items": {"type": "string"}},
        "verify_jwt": {"type": "boolean"},
        "name": {"type": "string"},
    },
    "required": ["entrypoint_path"],
}

# UpdateCustomHostnameBody
INITIALIZE_HOSTNAME: Schema = {
    "type": "object",
    "properties": {"custom_hostname": {"type": "string", "maxLength": 253, "minLength": 1}},
    "required": ["custom_hostname"],
}

# UpdatePgsodiumConfigBody
UPDATE_PGSODIUM: Schema = {
    "type": "object",
    "properties": {"root_key": {"type": "string"}},
    "required": ["root_key"],
}

# RemoveNetworkBanRequest
REMOVE_NETWORK_BANS: Schema = {
    "type": "object",
    "properties": {
        "ipv4_addresses": {"type": "array", "items": {"type": "string"}},
        "requester_ip": {"type": "boolean"},
        "identifier": {"type": "string"},
    },
    "required": ["ipv4_addresses"],
}

# NetworkRestrictionsRequest
APPLY_NETWORK_RESTRICTIONS: Schema = {
    "type": "object",
    "properties": {
        "dbAllowedCidrs": {"type": "array", "items": {"type": "string"}},
        "dbAllowedCidrsV6": {"type": "array", "items": {"type": "string"}},
    },
}

# V1RunQueryBody
RUN_QUERY: Schema = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "minLength": 1},
        "parameters": {"type": "array", "items": {}},
        "read_only": {"type": "boolean"},
    },
    "required": ["query"],
}

# V1ReadOnlyQueryBody
READ_ONLY_QUERY: Schema = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "minLength": 1},
        "parameters": {"type": "array", "items": {}},
    },
    "required": ["query"],
}

# V1CreateMigrationBody
CREATE_MIGRATION: Schema = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "minLength": 1},
        "name": {"type": "string"},
        "rollback": {"type": "string"},
    },
    "required": ["query"],
}
