"""Fixtures for the emulator tests: one server per module, reset before every test, and a small client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_supabase.emulator import Emulator

from .client import Api


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator(project_ready_seconds=0) as emulator:
        yield emulator


@pytest.fixture
def emu(server: Emulator) -> Emulator:
    """The module's emulator, wiped and back on the test defaults."""
    server.reset()
    server.configure(
        project_ready_seconds=0,
        rate_limit=120,
        rate_window=60.0,
        hostname_rate_limit=10,
        retry_after_header=True,
    )
    return server


@pytest.fixture
def api(emu: Emulator) -> Iterator[Api]:
    client = Api(emu.url)
    yield client
    client.close()


@pytest.fixture
def org(emu: Emulator) -> dict[str, Any]:
    return emu.seed_organization("Acme")


@pytest.fixture
def ref(emu: Emulator, org: dict[str, Any]) -> str:
    return str(emu.seed_project("acme-prod", org["slug"])["ref"])
