"""Servers for the browser check of the connection form: an emulator, a real ``airflow api-server`` on a
scratch home (simple auth manager, everyone an admin) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_supabase.emulator import Emulator
from tests.conftest import TOKEN

# A loaded two-core machine needs most of a minute to migrate the database and as long again to start the server.
_STARTUP_SECONDS = 420
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
_CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Nothing may reach the internet: no update checks, no sync, no component downloads.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class AirflowUI:
    url: str
    home: Path

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call the REST API as the UI does; with all users admins, no credentials are needed."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/api/v2/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


def _airflow_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__CORE__TEST_CONNECTION="Enabled",
    )
    return env


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _wait_until_listening(server: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        match = _LISTENING.search(log.read_text(errors="replace"))
        if match:
            url = match.group(1)
            break
        if server.poll() is not None:
            pytest.fail(f"airflow api-server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    else:
        pytest.fail(f"airflow api-server did not start in {_STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")
    # Uvicorn announces the port before the first request is served; wait for a real answer.
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/version", timeout=10):
                return url
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    pytest.fail(f"airflow api-server at {url} never answered:\n{log.read_text()[-3000:]}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    # The server leads its own process group, so this reaches anything it started as well.
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


@pytest.fixture(scope="session")
def ui_emulator() -> Iterator[Emulator]:
    # Only the test token is accepted, so a successful connection test proves the form stored it intact.
    emulator = Emulator(tokens=[TOKEN]).start()
    emulator.seed_organization("Acme")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def airflow_ui() -> Iterator[AirflowUI]:
    home = Path(tempfile.mkdtemp(prefix="supabase-provider-ui-"))
    (home / "dags").mkdir()
    env = _airflow_env(home)
    migrate = subprocess.run(
        [_airflow(), "db", "migrate"], env=env, capture_output=True, text=True, timeout=_STARTUP_SECONDS
    )
    assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-3000:]
    log = home / "api-server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [_airflow(), "api-server", "--host", "127.0.0.1", "--port", "0", "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield AirflowUI(_wait_until_listening(server, log), home)
    finally:
        _stop(server)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # A busy two-core machine renders the React UI slowly; Playwright's 5 s and 30 s defaults are too tight.
    expect.set_options(timeout=120_000)
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Chromium is not installed: `make ui-deps` installs Debian's package")
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, temporary profile (its --user-data-dir) and removes it after.
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=_CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(120_000)
    yield context
    context.close()
