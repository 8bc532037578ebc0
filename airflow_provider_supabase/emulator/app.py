"""The request pipeline (auth, routing, rate limit, faults, request log) around the state, under one lock."""

from __future__ import annotations

import dataclasses
import http
import json
import re
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from airflow_provider_supabase.emulator.admin import handle_admin
from airflow_provider_supabase.emulator.database import DatabaseEndpoints
from airflow_provider_supabase.emulator.faults import Fault, RequestRecord
from airflow_provider_supabase.emulator.ratelimit import FixedWindowLimiter
from airflow_provider_supabase.emulator.routes import (
    DATABASE_HANDLERS,
    HOSTNAME_LIMITED,
    ROUTES,
    RouteMatch,
    match_route,
)
from airflow_provider_supabase.emulator.state import State
from airflow_provider_supabase.emulator.wire import ApiError, Call, Reply, error_reply

_TOKEN = re.compile(r"^sbp_[0-9a-f]{40}$")
ADMIN_PREFIX = "/_emulator"
# Deliberately truncated JSON: the client's decoder, not its HTTP layer, has to notice.
MALFORMED_BODY = b'{"message": "this response was cut sho'


@dataclass
class Config:
    """Tunables that may change while the emulator runs (see ``Emulator.configure``)."""

    project_ready_seconds: float = 3.0
    rate_limit: int = 120
    rate_window: float = 60.0
    hostname_rate_limit: int = 10
    retry_after_header: bool = True

    def __post_init__(self) -> None:
        if self.project_ready_seconds < 0:
            raise ValueError("project_ready_seconds must not be negative")
        if self.rate_limit < 0 or self.hostname_rate_limit < 0:
            raise ValueError("rate limits must not be negative")
        if self.rate_window <= 0:
            raise ValueError("rate_window must be positive")


@dataclass(frozen=True)
class Incoming:
    """One HTTP request as read off the wire."""

    method: str
    target: str
    authorization: str | None
    content_type: str
    body: bytes
    client_ip: str = "127.0.0.1"
    idempotency_key: str | None = None


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _parse_body(content_type: str, body: bytes) -> tuple[Any, str | None]:
    """Decode a JSON body once for both the request log and the handlers: (value, error description)."""
    if not body.strip() or not ("json" in content_type or not content_type):
        return None, None
    try:
        return json.loads(body), None
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except UnicodeDecodeError:
        return None, "malformed JSON (not UTF-8)"


class EmulatorApp:
    """Turns an :class:`Incoming` request into a :class:`Reply` (or None: drop the connection)."""

    def __init__(
        self,
        config: Config,
        tokens: Iterable[str] | None = None,
        *,
        database: bool = True,
        postgres_bin: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.tokens: frozenset[str] | None = None if tokens is None else frozenset(tokens)
        # Drawn once per emulator and kept across resets, so the same sources always bundle to the same hash here
        # while no client can compute it (the real API hashes the bundle it builds itself).
        self.bundle_secret = secrets.token_bytes(32)
        self.state = State(config.project_ready_seconds, self.bundle_secret)
        self.faults: list[Fault] = []
        self.log: list[RequestRecord] = []
        self.limiter = FixedWindowLimiter()
        self.database = DatabaseEndpoints(self._project_ref, enabled=database, bin_dir=postgres_bin)
        for route in ROUTES:
            for handler in route.handlers.values():
                if not callable(getattr(self._target(handler), handler, None)):
                    raise TypeError(f"Route {route.template} names a missing handler {handler}")

    # ----------------------------------------------------------------- pipeline

    def handle(self, request: Incoming) -> Reply | None:
        split = urlsplit(request.target)
        path = split.path or "/"
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return handle_admin(self, request.method, path, request.content_type, request.body)
        query = parse_qs(split.query, keep_blank_values=True)
        token = bearer_token(request.authorization)
        route = match_route(request.method, path)
        body_json, json_error = _parse_body(request.content_type, request.body)
        now = time.monotonic()
        fault: Fault | None = None
        with self.lock:
            record = RequestRecord(request.method, path, route.template, query, None, body_json, token, now)
            self.log.append(record)
            window = self.limiter.hit(
                (token, request.method, route.template or path),
                self._limit_for(request.method, route.template),
                self.config.rate_window,
                now,
            )
            reply = self._refusal(request.method, path, token, route, window.limited, window.reset_seconds)
            if reply is None:
                fault = self._take_fault(request.method, path, route.template)
        rate_headers = window.headers()
        if reply is None:
            call = Call(
                params=route.params,
                query=query,
                body=request.body,
                content_type=request.content_type,
                json=body_json,
                json_error=json_error,
                client_ip=request.client_ip,
                idempotency_key=request.idempotency_key,
            )
            reply = self._apply(route, call, fault)
        if reply is not None:
            reply.headers.update(rate_headers)
        with self.lock:
            record.status = None if reply is None else reply.status
        return reply

    def _target(self, handler: str) -> Any:
        return self.database if handler in DATABASE_HANDLERS else self.state

    def _project_ref(self, call: Call) -> str:
        """The project's ref, or the State's 400/404 for a bad or unknown one."""
        with self.lock:
            return self.state.project_ref(call)

    def _limit_for(self, method: str, template: str | None) -> int:
        if (method, template) in HOSTNAME_LIMITED:
            return self.config.hostname_rate_limit
        return self.config.rate_limit

    def _refusal(
        self, method: str, path: str, token: str | None, route: RouteMatch, limited: bool, reset: int
    ) -> Reply | None:
        """The reply for a request that never reaches the state, or None to let it through."""
        if token is None or not (_TOKEN.fullmatch(token) if self.tokens is None else token in self.tokens):
            return error_reply(401, "Unauthorized")
        if route.template is None:
            return error_reply(404, f"Cannot {method} {path}")
        if route.handler is None:
            reply = error_reply(405, f"Method {method} is not allowed on {route.template}")
            reply.headers["Allow"] = ", ".join(route.allowed)
            return reply
        if limited:
            reply = error_reply(429, "Too many requests")
            if self.config.retry_after_header:
                reply.headers["Retry-After"] = str(reset)
            return reply
        return None

    def _take_fault(self, method: str, path: str, template: str | None) -> Fault | None:
        for index, fault in enumerate(self.faults):
            if fault.matches(method, path, template):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self.faults[index]
                return fault
        return None

    def _apply(self, route: RouteMatch, call: Call, fault: Fault | None) -> Reply | None:
        kind = None if fault is None else fault.kind
        if fault is not None and kind == "status":
            try:
                default = http.HTTPStatus(fault.status).phrase
            except ValueError:
                default = "Injected fault"
            reply = error_reply(fault.status, fault.message or default)
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = fault.retry_after
            return reply
        if kind == "drop":
            return None
        if kind == "malformed":
            return Reply(200, MALFORMED_BODY, "application/json")
        if fault is not None and kind == "delay":
            time.sleep(fault.delay)
        assert route.handler is not None
        if route.handler in DATABASE_HANDLERS:
            # SQL runs outside the lock (the handler takes it only to look the project up).
            reply = self._call(self.database, route.handler, call)
        else:
            with self.lock:
                reply = self._call(self.state, route.handler, call)
                deleted = self.state.take_deleted()
            # Outside the lock, like reset(): dropping a database waits for its sessions to end.
            for ref in deleted:
                self.database.drop_project(ref)
        return None if kind == "drop_after" else reply

    @staticmethod
    def _call(target: Any, handler: str, call: Call) -> Reply:
        try:
            reply: Reply = getattr(target, handler)(call)
        except ApiError as exc:
            reply = error_reply(exc.status, exc.message)
        except Exception as exc:
            # A bug in the emulator, not a client error: say so loudly rather than hide it.
            traceback.print_exc(file=sys.stderr)
            reply = error_reply(500, f"Emulator internal error: {type(exc).__name__}")
        return reply

    # ----------------------------------------------------------------- controls

    def reset(self) -> None:
        with self.lock:
            self.state = State(self.config.project_ready_seconds, self.bundle_secret)
            self.faults.clear()
            self.log.clear()
            self.limiter.clear()
        # Outside the lock: dropping databases waits for their sessions to end.
        self.database.reset()

    def close(self) -> None:
        self.database.stop()

    def configure(self, **changes: Any) -> Config:
        unknown = set(changes) - {f.name for f in dataclasses.fields(Config)}
        if unknown:
            raise TypeError(f"Unknown configuration field(s): {', '.join(sorted(unknown))}")
        with self.lock:
            updates = {k: v for k, v in changes.items() if v is not None}
            self.config = dataclasses.replace(self.config, **updates)
            self.state.project_ready_seconds = self.config.project_ready_seconds
            return dataclasses.replace(self.config)

    def inject(self, fault: Fault) -> Fault:
        # A private copy: the caller may reuse its Fault object, and the countdown must not leak into it.
        copy = dataclasses.replace(fault)
        with self.lock:
            self.faults.append(copy)
        return copy

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def requests(self) -> list[RequestRecord]:
        with self.lock:
            return [dataclasses.replace(r, query=dict(r.query)) for r in self.log]

    def request_count(self, method: str | None = None, path: str | None = None) -> int:
        wanted = None if method is None else method.upper()
        with self.lock:
            return sum(
                1
                for r in self.log
                if (wanted is None or r.method == wanted) and (path is None or path in (r.path, r.template))
            )
