"""Servers the benchmarks talk to, each in its own process so its CPU never counts against the client.

* ``EmulatorProcess``: the real ``airflow_provider_supabase.emulator.Emulator`` in a spawned child, driven over
  a pipe (seed data, configure, reset, read the request log).
* ``LoopbackServer``: a minimal stdlib (asyncio) HTTP/1.1 keep-alive server answering every request with
  one fixed JSON body and rate-limit headers, so client-side overhead is what a loopback timing shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import signal
import socket
import time
from typing import Any

_CTX = mp.get_context("spawn")

# What the emulator answers GET /v1/projects with for one seeded project (shape and size).
PROJECT_BODY = json.dumps(
    [
        {
            "id": "abcdefghijklmnopqrst",
            "ref": "abcdefghijklmnopqrst",
            "organization_id": "bench-org",
            "organization_slug": "bench-org",
            "name": "bench",
            "region": "us-east-1",
            "created_at": "2025-01-01T00:00:00.000000Z",
            "status": "ACTIVE_HEALTHY",
            "database": {
                "host": "db.abcdefghijklmnopqrst.supabase.co",
                "version": "15.8.1.093",
                "postgres_engine": "15",
                "release_channel": "ga",
            },
        }
    ]
).encode()


# --------------------------------------------------------------------------------------- emulator


def _emulator_main(conn: Any, kwargs: dict[str, Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from airflow_provider_supabase.emulator import Emulator

    emu = Emulator(**kwargs).start()
    conn.send(emu.url)
    try:
        while True:
            try:
                command, args, kw = conn.recv()
            except EOFError:
                return
            if command == "stop":
                conn.send(None)
                return
            try:
                if command == "records":
                    since = args[0] if args else 0
                    result: Any = [(r.method, r.template, r.status, r.time) for r in emu.requests[since:]]
                elif command == "monotonic":
                    result = time.monotonic()
                else:
                    attr = getattr(emu, command)
                    result = attr(*args, **kw) if callable(attr) else attr
                conn.send(("ok", result))
            except Exception as exc:  # pragma: no cover - reported to the parent
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        emu.stop()


class EmulatorProcess:
    """The real emulator in a child process; methods forward to ``Emulator`` by name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("project_ready_seconds", 0)
        self._kwargs = kwargs
        self._conn: Any = None
        self.process: Any = None
        self.url = ""

    def start(self) -> EmulatorProcess:
        parent, child = _CTX.Pipe()
        self.process = _CTX.Process(target=_emulator_main, args=(child, self._kwargs), daemon=True)
        self.process.start()
        child.close()
        if not parent.poll(60):
            raise RuntimeError("emulator process did not start")
        self.url = parent.recv()
        self._conn = parent
        return self

    def call(self, command: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((command, args, kwargs))
        status, result = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"emulator {command}: {result}")
        return result

    def records(self, since: int = 0) -> list[tuple[str, str | None, int | None, float]]:
        return self.call("records", since)

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self._conn.send(("stop", (), {}))
            self._conn.poll(10)
        except (OSError, EOFError):
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.process = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------------------- loopback server


class _Protocol(asyncio.Protocol):
    stats = {"connections": 0, "requests": 0}

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.buffer = b""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _Protocol.stats["connections"] += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            # GET requests only: no body to skip.
            if head.startswith(b"GET /_stats "):
                body = json.dumps(_Protocol.stats).encode()
                self.transport.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(body), body)
                )
                continue
            _Protocol.stats["requests"] += 1
            self.transport.write(self.reply)


def _loopback_main(conn: Any, body: bytes) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"X-RateLimit-Limit: 1000000\r\nX-RateLimit-Remaining: 999999\r\nX-RateLimit-Reset: 60\r\n\r\n%s"
        % (len(body), body)
    )

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Protocol(reply), "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        conn.send(f"http://127.0.0.1:{port}")
        stop = asyncio.Event()
        loop.add_reader(conn.fileno(), stop.set)
        await stop.wait()
        server.close()

    asyncio.run(serve())


class LoopbackServer:
    """Fixed-reply HTTP/1.1 keep-alive server in a child process; ``stats()`` counts connections."""

    def __init__(self, body: bytes = PROJECT_BODY) -> None:
        self.body = body
        self.process: Any = None
        self._conn: Any = None
        self.url = ""

    def start(self) -> LoopbackServer:
        parent, child = _CTX.Pipe()
        self.process = _CTX.Process(target=_loopback_main, args=(child, self.body), daemon=True)
        self.process.start()
        child.close()
        if not parent.poll(30):
            raise RuntimeError("loopback server did not start")
        self.url = parent.recv()
        self._conn = parent
        return self

    def stats(self) -> dict[str, int]:
        import urllib.request

        with urllib.request.urlopen(self.url + "/_stats", timeout=5) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.process = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
