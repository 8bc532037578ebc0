"""How the connection's host, token and extras become the client's settings."""

from __future__ import annotations

import pytest

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.hooks.connection import normalize_base_url, settings_from_connection


class Conn:
    def __init__(self, password="sbp_x", host=None, port=None, extra=None, conn_id="supabase_default"):
        self.password, self.host, self.port, self.conn_id = password, host, port, conn_id
        self.extra_dejson = extra or {}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (None, "https://api.supabase.com"),
        ("", "https://api.supabase.com"),
        ("api.supabase.com", "https://api.supabase.com"),
        ("https://api.supabase.com/", "https://api.supabase.com"),
        ("https://api.supabase.com/v1", "https://api.supabase.com"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:9", "http://localhost:9"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_host_becomes_base_url(host, expected):
    assert normalize_base_url(host) == expected


def test_plain_http_to_a_remote_host_is_refused():
    with pytest.raises(SupabaseInputError, match="host"):
        normalize_base_url("http://api.example.com")


def test_plain_http_to_a_remote_host_is_allowed_only_by_explicit_extra():
    conn = Conn(host="http://proxy.internal:8080", extra={"allow_insecure_http": True})
    assert settings_from_connection(conn).base_url == "http://proxy.internal:8080"


def test_non_http_scheme_is_refused():
    with pytest.raises(SupabaseInputError, match="host"):
        normalize_base_url("ftp://api.supabase.com")


def test_empty_token_is_refused_naming_the_field():
    with pytest.raises(SupabaseInputError, match="access token"):
        settings_from_connection(Conn(password="  "))


def test_tls_verification_is_on_by_default():
    assert settings_from_connection(Conn()).verify is True


def test_extras_override_defaults_and_kwargs_override_extras():
    conn = Conn(extra={"timeout": "12", "max_retries": 2, "retry_max_wait": 7})
    settings = settings_from_connection(conn, max_retries=9)
    assert (settings.timeout, settings.max_retries, settings.retry_max_wait) == (12.0, 9, 7.0)


def test_bad_extra_is_refused_naming_it():
    with pytest.raises(SupabaseInputError, match="timeout"):
        settings_from_connection(Conn(extra={"timeout": "soon"}))


def test_settings_repr_never_shows_the_token():
    settings = settings_from_connection(Conn(password="sbp_" + "f" * 40))
    assert "f" * 40 not in repr(settings)


def test_hook_repr_never_shows_the_token(hook, emulator):
    hook.list_projects()
    assert "sbp_" not in repr(hook)


def test_disabling_tls_verification_is_logged_loudly(emulator, monkeypatch, capfd):
    from airflow_provider_supabase.hooks.supabase import SupabaseHook
    from tests.conftest import set_connection

    set_connection(monkeypatch, emulator.url, verify=False)
    SupabaseHook().list_projects()
    out, err = capfd.readouterr()
    assert "TLS certificate verification is DISABLED" in out + err
