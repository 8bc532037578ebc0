"""Trigger tests reverify every few tenths of a second: lower the 6 s production floor for them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fast_reverify(monkeypatch):
    monkeypatch.setenv("AIRFLOW__SUPABASE__MIN_REVERIFY_INTERVAL", "0")
