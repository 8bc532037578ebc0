"""Transport security: TLS verification on by default and never off without a loud log line, plain http only to
loopback unless a connection extra allows it, and redirects never carry the token (or anything) to another host."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from airflow_provider_supabase.exceptions import SupabaseApiError, SupabaseInputError
from airflow_provider_supabase.hooks.supabase import SupabaseAsyncHook, SupabaseHook
from tests.conftest import set_connection
from tests.reliability._support import record

TOKEN = "sbp_" + "5e" * 20


class _Server:
    """A loopback HTTP(S) server on a free port that answers every request the same way and records what it got."""

    def __init__(self, status: int = 200, headers: dict[str, str] | None = None, tls: ssl.SSLContext | None = None):
        self.received: list[dict[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.received.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "body": body.decode("utf-8", "replace"),
                    }
                )
                payload = b"[]" if status == 200 else b""
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no CA signed, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def no_ca_bundle_env(monkeypatch):
    """Unset the environment variables with which requests overrides a session's ``verify`` (see
    ``test_verify_extra_wins_over_a_ca_bundle_set_in_the_environment``)."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.fixture
def https_server(self_signed) -> Iterator[_Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    with _Server(tls=context) as server:
        yield server


def _list_organizations(flavour: str):
    if flavour == "sync":
        hook = SupabaseHook()
        try:
            return hook.list_organizations()
        finally:
            hook.close()

    async def main():
        async with SupabaseAsyncHook() as hook:
            return await hook.list_organizations()

    return asyncio.run(main())


FLAVOURS = ["sync", "async"]


# TLS ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_certificate_no_ca_signed_is_refused_by_default(monkeypatch, https_server, flavour):
    set_connection(monkeypatch, https_server.url, token=TOKEN, max_retries=0)

    with pytest.raises(SupabaseApiError) as refused:
        _list_organizations(flavour)

    assert refused.value.status_code is None and "could not connect" in str(refused.value)
    assert https_server.received == []  # the handshake failed: no request, no token went out


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ca_bundle_in_verify_extra_trusts_that_certificate(
    monkeypatch, no_ca_bundle_env, https_server, self_signed, flavour
):
    set_connection(monkeypatch, https_server.url, token=TOKEN, verify=str(self_signed[0]))

    assert _list_organizations(flavour) == []
    assert [r["authorization"] for r in https_server.received] == [f"Bearer {TOKEN}"]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("spelling", [False, 0, "false", "False", "0", "no", "off", "OFF"], ids=repr)
def test_turning_verification_off_always_logs_a_warning(monkeypatch, no_ca_bundle_env, https_server, capfd, spelling):
    set_connection(monkeypatch, https_server.url, token=TOKEN, verify=spelling)
    capfd.readouterr()

    assert _list_organizations("sync") == []
    out, err = capfd.readouterr()
    assert "TLS certificate verification is DISABLED" in out + err


def test_turning_verification_off_in_the_async_hook_logs_a_warning_too(monkeypatch, https_server, capfd):
    set_connection(monkeypatch, https_server.url, token=TOKEN, verify="false")
    capfd.readouterr()

    assert _list_organizations("async") == []
    out, err = capfd.readouterr()
    assert "TLS certificate verification is DISABLED" in out + err


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_verify_extra_wins_over_a_ca_bundle_set_in_the_environment(monkeypatch, https_server, self_signed, flavour):
    import certifi

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    set_connection(monkeypatch, https_server.url, token=TOKEN, verify=str(self_signed[0]), max_retries=0)

    assert _list_organizations(flavour) == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_misspelt_verify_value_never_turns_verification_off(monkeypatch, https_server, flavour):
    set_connection(monkeypatch, https_server.url, token=TOKEN, verify="flase", max_retries=0)

    with pytest.raises(Exception):  # noqa: B017 - any refusal will do here; the next test asks for a clear one
        _list_organizations(flavour)

    assert https_server.received == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_misspelt_verify_value_is_refused_naming_the_field(monkeypatch, https_server, flavour):
    set_connection(monkeypatch, https_server.url, token=TOKEN, verify="flase", max_retries=0)

    with pytest.raises(SupabaseInputError) as refused:
        _list_organizations(flavour)

    assert refused.value.field == "verify"


# Plain http ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host",
    ["http://127.0.0.1:8080", "http://127.10.20.30:8080", "http://localhost:8080", "http://[::1]:8080"],
)
def test_plain_http_is_accepted_for_loopback(monkeypatch, host):
    set_connection(monkeypatch, host, token=TOKEN)

    assert SupabaseHook().settings.base_url == host


@pytest.mark.parametrize(
    "host",
    [
        "http://10.0.0.1:8080",
        "http://192.168.1.10",
        "http://0.0.0.0:8080",
        "http://api.supabase.com",
        "http://localhost.attacker.example",
        "http://127.0.0.1.nip.io",
        "http://127.0.0.1@attacker.example",
        "http://[::ffff:8.8.8.8]",
    ],
)
def test_plain_http_to_anything_but_loopback_is_refused(request, monkeypatch, emulator, host):
    set_connection(monkeypatch, host, token=TOKEN)

    with pytest.raises(SupabaseInputError) as refused:
        SupabaseHook().list_projects()

    record(request, refused=1)
    assert refused.value.field == "host" and "allow_insecure_http" in str(refused.value)


@pytest.mark.parametrize("allowed", [True, "true", "yes", "1"])
def test_plain_http_to_a_remote_host_is_accepted_only_with_the_explicit_extra(monkeypatch, allowed):
    set_connection(monkeypatch, "http://proxy.internal:8080", token=TOKEN, allow_insecure_http=allowed)

    assert SupabaseHook().settings.base_url == "http://proxy.internal:8080"


@pytest.mark.parametrize("allowed", [False, "false", "no", "", "maybe"])
def test_plain_http_to_a_remote_host_stays_refused_when_the_extra_is_not_true(monkeypatch, allowed):
    set_connection(monkeypatch, "http://proxy.internal:8080", token=TOKEN, allow_insecure_http=allowed)

    with pytest.raises(SupabaseInputError, match="host"):
        _ = SupabaseHook().settings


# Redirects ----------------------------------------------------------------------------------------------------
REDIRECT_CASES = [pytest.param(status, flavour) for status in (301, 302, 303, 307, 308) for flavour in FLAVOURS]


def _redirected(monkeypatch, status: int, call) -> tuple[_Server, _Server, SupabaseApiError]:
    """Run ``call`` against an API that redirects every request to another loopback server."""
    with _Server() as elsewhere:
        target = f"http://127.0.0.1:{elsewhere.port}/v1/organizations"
        with _Server(status=status, headers={"Location": target}) as api:
            set_connection(monkeypatch, api.url, token=TOKEN)
            with pytest.raises(SupabaseApiError) as refused:
                call()
    return api, elsewhere, refused.value


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_never_reaches_the_other_host(monkeypatch, flavour, status):
    api, elsewhere, _ = _redirected(monkeypatch, status, lambda: _list_organizations(flavour))

    assert [r["authorization"] for r in api.received][:1] == [f"Bearer {TOKEN}"]
    assert elsewhere.received == []


@pytest.mark.parametrize(("status", "flavour"), REDIRECT_CASES)
def test_redirect_fails_at_once_naming_the_status_and_the_target_host(monkeypatch, status, flavour):
    api, elsewhere, err = _redirected(monkeypatch, status, lambda: _list_organizations(flavour))

    assert err.status_code == status
    assert f"127.0.0.1:{elsewhere.port}" in str(err) and TOKEN not in str(err)
    assert len(api.received) == 1  # not retried: a redirect will not go away


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_redirected_write_sends_neither_token_nor_body_to_the_other_host(monkeypatch, flavour):
    canary = "redirect-canary-value-7d1f"
    ref = "abcdefghijklmnopqrst"

    def upsert():
        if flavour == "sync":
            return SupabaseHook().create_secrets(ref, {"API_KEY": canary})

        async def main():
            async with SupabaseAsyncHook() as hook:
                return await hook.create_secrets(ref, {"API_KEY": canary})

        return asyncio.run(main())

    api, elsewhere, err = _redirected(monkeypatch, 307, upsert)

    assert elsewhere.received == []
    assert {r["method"] for r in api.received} == {"POST"}
    assert canary not in str(err)
