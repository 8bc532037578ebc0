"""HTTP/1.1 keep-alive transport: reads requests off sockets, hands them to the app, answers or hangs up."""

from __future__ import annotations

import contextlib
import http
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from airflow_provider_supabase.emulator.app import EmulatorApp, Incoming
from airflow_provider_supabase.emulator.wire import Reply, error_reply

_MAX_BODY = 64 * 1024 * 1024


class _BadRequest(Exception):
    pass


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading server that can also cut its open keep-alive connections when stopped."""

    daemon_threads = True
    # Joining handler threads on close would wait for clients to hang up their pooled connections.
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, EmulatorRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up pooled keep-alive connections are normal; anything else is an emulator bug.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, but keep Nagle from delaying tiny replies on reused sockets.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: per-request logging to stderr would slow the emulator and clutter test output."""

    def __getattr__(self, name: str) -> Any:
        # The stdlib answers a method without a do_* handler with a 501 HTML page. Every method goes to the app
        # instead, so one the path does not list (TRACE, OPTIONS, HEAD, ...) is a 405 JSON error with an Allow
        # header, as the spec's clients expect.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the stdlib detects itself (a bad request line, oversized headers) are JSON like all others."""
        self.close_connection = True
        try:
            text = message or http.HTTPStatus(code).phrase
        except ValueError:
            text = "Error"
        self._write(error_reply(code, text))

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._write(error_reply(400, str(exc)))
            return
        request = Incoming(
            method=self.command,
            target=self.path,
            authorization=self.headers.get("Authorization"),
            content_type=self.headers.get("Content-Type", ""),
            body=body,
            idempotency_key=self.headers.get("Idempotency-Key"),
            client_ip=self.client_address[0],
        )
        reply = self.server.app.handle(request)
        if reply is None:
            self._drop()
        else:
            self._write(reply)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise _BadRequest("Invalid Content-Length header") from None
        if length < 0 or length > _MAX_BODY:
            raise _BadRequest("Invalid Content-Length header")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest("Invalid chunked transfer encoding") from None
            if size == 0:
                # Skip trailers up to the blank line that ends the message.
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > _MAX_BODY:
                raise _BadRequest("Request body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _write(self, reply: Reply) -> None:
        try:
            phrase = http.HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [f"HTTP/1.1 {reply.status} {phrase}"]
        if reply.content_type is not None:
            lines.append(f"Content-Type: {reply.content_type}")
        lines.append(f"Content-Length: {len(reply.body)}")
        lines.extend(f"{name}: {value}" for name, value in reply.headers.items())
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # A response to HEAD never has a body: the client would read it as the start of the next response.
        body = b"" if self.command == "HEAD" else reply.body
        try:
            # One write per response: split writes interact badly with delayed ACKs on keep-alive sockets.
            self.wfile.write(head + body)
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        """Hang up without a response, as a crashed server or a broken proxy would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
