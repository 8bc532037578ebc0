"""Input checks shared by the hook and the operators, each naming the field it refuses."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_provider_supabase.exceptions import SupabaseInputError


class LazyPattern:
    """A regular expression compiled the first time it is used.

    DAG files import this module through the operators, and a parse uses few of its patterns or none: compiling
    them all at import cost about 2 ms of every parse on a slow CPU. Compiling twice in a race is harmless.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def match(self, string: str) -> re.Match[str] | None:
        return self.compiled().match(string)

    def fullmatch(self, string: str) -> re.Match[str] | None:
        return self.compiled().fullmatch(string)

    def search(self, string: str) -> re.Match[str] | None:
        return self.compiled().search(string)

    def sub(self, repl: str, string: str, count: int = 0) -> str:
        return self.compiled().sub(repl, string, count=count)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


REF_RE = LazyPattern(r"^[a-z]{20}$")
SLUG_RE = LazyPattern(r"^[A-Za-z0-9_-]+$")
# The deploy endpoint is stricter than the others: its slug must start with a letter.
DEPLOY_SLUG_RE = LazyPattern(r"^[A-Za-z][A-Za-z0-9_-]*$")
ROOT_KEY_RE = LazyPattern(r"^[0-9a-fA-F]{64}$")
# A branch name travels in a path (``/branches/{name}``): letters, digits, ``.``, ``_`` and ``-``, starting with
# a letter or digit, so it never needs escaping and never reads as another path segment.
BRANCH_NAME_RE = LazyPattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
UUID_RE = LazyPattern(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# RFC 1123 hostname with at least one dot; each label 1-63 chars, total <= 253.
HOSTNAME_RE = LazyPattern(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))+$")

# From the OpenAPI spec (project create: ``region`` and ``region_selection``).
REGIONS = frozenset(
    {
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
    }
)
SMART_REGION_GROUPS = frozenset({"americas", "emea", "apac"})
PLANS = frozenset({"free", "pro"})
INSTANCE_SIZES = frozenset(
    {
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
    }
)
HEALTH_SERVICES = frozenset({"auth", "db", "db_postgres_user", "pooler", "realtime", "rest", "storage", "pg_bouncer"})


def _shown(value: Any) -> str:
    """A short, safe rendering of a refused non-secret value for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def require_text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SupabaseInputError(field, f"must be a non-empty string, got {_shown(value)}")
    return value


def validate_ref(ref: Any, field: str = "project_ref") -> str:
    if not isinstance(ref, str) or not REF_RE.match(ref):
        raise SupabaseInputError(field, f"must be a project ref of 20 lowercase letters, got {_shown(ref)}")
    return ref


def validate_branch_name(name: Any, field: str = "branch_name") -> str:
    if not isinstance(name, str) or not BRANCH_NAME_RE.match(name):
        raise SupabaseInputError(
            field,
            f"must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit, got {_shown(name)}",
        )
    return name


def validate_branch_id_or_ref(value: Any, field: str = "branch_id_or_ref") -> str:
    """A branch's id (a UUID) or its project's 20-letter ref."""
    if not isinstance(value, str) or not (REF_RE.match(value) or UUID_RE.match(value)):
        raise SupabaseInputError(
            field, f"must be a branch id (a UUID) or a project ref of 20 lowercase letters, got {_shown(value)}"
        )
    return value.lower() if UUID_RE.match(value) else value


def validate_slug(slug: Any, field: str = "slug", *, pattern: re.Pattern[str] | LazyPattern = SLUG_RE) -> str:
    if not isinstance(slug, str) or not pattern.match(slug):
        raise SupabaseInputError(field, f"must match {pattern.pattern}, got {_shown(slug)}")
    return slug


def validate_secret_name(name: Any, field: str = "secret name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise SupabaseInputError(field, f"must be a non-empty string, got {_shown(name)}")
    if name.upper().startswith("SUPABASE_"):
        raise SupabaseInputError(field, f"{name!r} starts with SUPABASE_, which the API reserves")
    return name


def normalize_secrets(secrets: Any, field: str = "secrets") -> dict[str, str]:
    """Accept a mapping name -> value or a list of ``{name, value}``; refuse bad names and non-string
    values without ever putting a value into the message."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(secrets, Mapping):
        items = secrets.items()
    elif isinstance(secrets, (list, tuple)):
        pairs = []
        for i, entry in enumerate(secrets):
            if not isinstance(entry, Mapping) or "name" not in entry or "value" not in entry:
                raise SupabaseInputError(f"{field}[{i}]", "must be a mapping with 'name' and 'value'")
            pairs.append((entry["name"], entry["value"]))
        items = pairs
    else:
        raise SupabaseInputError(field, f"must be a mapping of name -> value, got {type(secrets).__name__}")
    result: dict[str, str] = {}
    for name, value in items:
        validate_secret_name(name, f"{field} name")
        if not isinstance(value, str):
            raise SupabaseInputError(f"{field}[{name!r}]", f"value must be a string, got {type(value).__name__}")
        if name in result:
            raise SupabaseInputError(f"{field} name", f"{name!r} is given twice")
        result[name] = value
    return result


def validate_root_key(root_key: Any, field: str = "root_key") -> str:
    if not isinstance(root_key, str) or not ROOT_KEY_RE.match(root_key):
        # The key is a secret: describe it, never show it.
        length = len(root_key) if isinstance(root_key, str) else type(root_key).__name__
        raise SupabaseInputError(field, f"must be 64 hexadecimal characters (got length/type {length})")
    return root_key


def validate_cidrs(cidrs: Any, version: int, field: str) -> list[str]:
    import ipaddress  # only the network operators and hook need it

    if isinstance(cidrs, str) or not isinstance(cidrs, (list, tuple)):
        raise SupabaseInputError(field, f"must be a list of IPv{version} CIDRs, got {_shown(cidrs)}")
    result = []
    for cidr in cidrs:
        try:
            net = ipaddress.ip_network(cidr, strict=True) if isinstance(cidr, str) else None
        except ValueError as err:
            raise SupabaseInputError(field, f"{_shown(cidr)} is not a valid CIDR ({err})") from None
        if net is None or net.version != version:
            raise SupabaseInputError(field, f"{_shown(cidr)} is not an IPv{version} CIDR")
        result.append(str(net))
    return result


def validate_ipv4_addresses(addresses: Any, field: str = "ipv4_addresses") -> list[str]:
    import ipaddress

    if isinstance(addresses, str) or not isinstance(addresses, (list, tuple)) or not addresses:
        raise SupabaseInputError(field, f"must be a non-empty list of IPv4 addresses, got {_shown(addresses)}")
    for address in addresses:
        try:
            ipaddress.IPv4Address(address)
        except (ValueError, TypeError):
            raise SupabaseInputError(field, f"{_shown(address)} is not an IPv4 address") from None
    return list(addresses)


def _known(value: Any, allowed: frozenset[str]) -> bool:
    # A template can render a list or a dict, which ``in frozenset`` would answer with TypeError (unhashable).
    return isinstance(value, str) and value in allowed


def validate_region(region: Any, field: str = "region") -> str:
    if not _known(region, REGIONS):
        raise SupabaseInputError(field, f"{_shown(region)} is not one of {', '.join(sorted(REGIONS))}")
    return str(region)


def validate_plan(plan: Any, field: str = "plan") -> str:
    if not _known(plan, PLANS):
        raise SupabaseInputError(field, f"{_shown(plan)} is not one of free, pro")
    return str(plan)


def validate_hostname(hostname: Any, field: str = "custom_hostname") -> str:
    if not isinstance(hostname, str) or not HOSTNAME_RE.match(hostname):
        raise SupabaseInputError(field, f"{_shown(hostname)} is not a valid DNS hostname")
    return hostname.lower()


def validate_region_selection(selection: Any, field: str = "region_selection") -> dict[str, str]:
    if not isinstance(selection, Mapping):
        raise SupabaseInputError(field, f"must be a mapping with 'type' and 'code', got {_shown(selection)}")
    kind, code = selection.get("type"), selection.get("code")
    if kind == "specific":
        validate_region(code, f"{field}.code")
    elif kind == "smartGroup":
        if not _known(code, SMART_REGION_GROUPS):
            raise SupabaseInputError(f"{field}.code", f"{_shown(code)} is not one of americas, emea, apac")
    else:
        raise SupabaseInputError(f"{field}.type", f"{_shown(kind)} is not 'specific' or 'smartGroup'")
    return {"type": kind, "code": code}


def validate_instance_size(size: Any, field: str = "desired_instance_size") -> str:
    if not _known(size, INSTANCE_SIZES):
        raise SupabaseInputError(field, f"{_shown(size)} is not a known instance size")
    return str(size)


def validate_services(services: Any, field: str = "services") -> list[str]:
    if isinstance(services, str):
        services = [s.strip() for s in services.split(",") if s.strip()]
    if not isinstance(services, (list, tuple)) or not services:
        raise SupabaseInputError(field, "must name at least one service")
    for service in services:
        if not _known(service, HEALTH_SERVICES):
            raise SupabaseInputError(field, f"{_shown(service)} is not one of {', '.join(sorted(HEALTH_SERVICES))}")
    return list(services)


# The API's pattern for API key names (CreateApiKeyBody.name: 4 to 64 characters).
API_KEY_NAME_RE = LazyPattern(r"^[a-z_][a-z0-9_]+$")
API_KEY_TYPES = frozenset({"publishable", "secret"})
SIGNING_ALGORITHMS = ("EdDSA", "ES256", "RS256", "HS256")
SIGNING_KEY_STATUSES = ("in_use", "previously_used", "revoked", "standby")


def validate_api_key_name(name: Any, field: str = "name") -> str:
    if not isinstance(name, str) or not API_KEY_NAME_RE.match(name) or not 4 <= len(name) <= 64:
        raise SupabaseInputError(
            field, f"must match {API_KEY_NAME_RE.pattern} and be 4 to 64 characters long, got {_shown(name)}"
        )
    return name


def validate_key_id(key_id: Any, field: str = "key_id") -> str:
    if not isinstance(key_id, str) or not UUID_RE.match(key_id):
        raise SupabaseInputError(field, f"must be a key id (a UUID), got {_shown(key_id)}")
    return key_id


def validate_choice(value: Any, choices: Iterable[str], field: str) -> str:
    allowed = tuple(choices)
    if not isinstance(value, str) or value not in allowed:
        raise SupabaseInputError(field, f"must be one of {', '.join(allowed)}, got {_shown(value)}")
    return value


def validate_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise SupabaseInputError(field, "must be true or false")
    return value
