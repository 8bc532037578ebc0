"""Sensor tests reverify every few tenths of a second: lower the 6 s production floor for them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fast_reverify(monkeypatch):
    monkeypatch.setenv("AIRFLOW__SUPABASE__MIN_REVERIFY_INTERVAL", "0")


@pytest.fixture
def deferred(caplog):
    """Whether dag.test() has run a trigger in-process during this test. dag.test() says so through stdlib
    logging, which reaches the captured output only when the buffer flushes, so read the log records."""
    return lambda: "running trigger in line" in caplog.text
