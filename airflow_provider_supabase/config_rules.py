"""Which project config settings are secrets (and the digest the API answers in their place), and which Postgres
settings restart the database.

Shared by the config operator (to compare, mask and warn), the secrets operator and the rotation sinks (to compare
a secret with the digest the API lists) and the emulator (to answer as the API does). It must stay
dependency-free: the operators import it on every run.
"""

from __future__ import annotations

import hashlib
import re

# smtp_pass, external_*_secret, hook_*_secrets, sms_*_api_key, sms_twilio_auth_token, jwt_secret...
_SECRET_NAME = re.compile(r"(^|_)(pass|secret|secrets|key|token)$")


def is_secret_field(name: str) -> bool:
    """Whether a config setting holds a secret (never logged; answered by the API as its digest)."""
    return bool(_SECRET_NAME.search(name))


def secret_digest(value: str) -> str:
    """What the API answers in place of a secret, a config setting or an Edge Function secret alike: the hex
    SHA-256 of its value."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# Postgres reads these only at start (``postmaster`` context): changing one restarts the database.
POSTGRES_RESTART_SETTINGS = frozenset(
    {
        "max_connections",
        "max_locks_per_transaction",
        "max_replication_slots",
        "max_wal_senders",
        "max_worker_processes",
        "shared_buffers",
        "track_activity_query_size",
        "track_commit_timestamp",
    }
)
