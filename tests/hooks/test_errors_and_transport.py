"""What a failed call leaves behind: errors that survive pickling whole, connection failures told apart by
type, and process-wide state that each test starts without."""

from __future__ import annotations

import pickle
import socket
import threading

import pytest
import requests
from urllib3.exceptions import NewConnectionError

from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.ratelimit import RATE_LIMIT_GATE
from airflow_provider_supabase.hooks.transport import never_connected
from airflow_provider_supabase.waits.checks import REVERIFY_THROTTLE


def test_a_pickled_api_error_keeps_what_the_retry_policy_reads():
    err = SupabaseApiError(
        "slow down",
        status_code=429,
        method="GET",
        path="/v1/projects",
        retryable=True,
        retry_after=2.5,
        uncertain=True,
        timed_out=True,
    )

    restored = pickle.loads(pickle.dumps(err))

    assert (restored.retryable, restored.retry_after, restored.uncertain, restored.timed_out) == (True, 2.5, True, True)
    assert restored.retry_reason == err.retry_reason
    assert str(restored) == str(err)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_known_never_to_have_reached_the_server():
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{_free_port()}/v1/projects", timeout=5)

    assert never_connected(refused.value)


def test_a_connection_error_subclass_is_recognised_by_type_not_by_name():
    class ProxyRefused(NewConnectionError):
        """What a transport adapter or a newer urllib3 may raise: another name, the same meaning."""

    cause = ProxyRefused(None, "proxy refused the connection")
    wrapped = requests.ConnectionError(cause)

    assert never_connected(wrapped)


def test_a_connection_dropped_after_sending_may_have_reached_the_server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def accept_then_drop():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    threading.Thread(target=accept_then_drop, daemon=True).start()
    try:
        with pytest.raises(requests.ConnectionError) as dropped:
            requests.post(f"http://127.0.0.1:{port}/v1/projects", json={"name": "x"}, timeout=5)
    finally:
        listener.close()

    assert not never_connected(dropped.value)


# The two tests below run in this order: the first leaves process-wide state behind, the second shows that the
# suite's autouse fixture gives every test a fresh start.
def test_leaves_a_spent_rate_limit_window_and_a_recent_reverify_behind():
    RATE_LIMIT_GATE.observe(("url#token", "GET", "/v1/projects"), 429, {"Retry-After": "600"})
    REVERIFY_THROTTLE.stamp("abcdefghijklmnopqrst")

    assert RATE_LIMIT_GATE.delay(("url#token", "GET", "/v1/projects")) > 0


def test_starts_without_the_state_an_earlier_test_left():
    assert RATE_LIMIT_GATE.delay(("url#token", "GET", "/v1/projects")) == 0
    assert REVERIFY_THROTTLE.acquire("abcdefghijklmnopqrst", 600)
