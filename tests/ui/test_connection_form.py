"""The Supabase connection form in Airflow's own UI, driven in headless Chromium: what it shows once
"Supabase" is chosen, that it saves a working connection, and that the UI's Test reports success."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_supabase import get_provider_info
from airflow_provider_supabase.emulator import Emulator
from tests.conftest import TOKEN
from tests.ui.conftest import AirflowUI

pytestmark = [pytest.mark.ui, pytest.mark.timeout(900)]

# The README's picture of the form, retaken only when asked (UPDATE_SCREENSHOT=1 make test-ui): a PNG never comes
# out byte-identical, and a test run should not leave the work tree changed.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "connection-form.png"
SAVED_CONN_ID = "supabase_ui"
# Airflow 3.3.1 and 3.3.2 send port 0 for a connection without a port when Test is pressed in the list, and
# their API then refuses to reuse the stored token (apache/airflow#73298, fixed after 3.3.2).


def open_supabase_form(context: Any, airflow_ui: AirflowUI, conn_id: str) -> tuple[Any, Any]:
    """Admin → Connections → Add Connection, with the id filled in and "Supabase" chosen as the type."""
    page = context.new_page()
    page.goto(f"{airflow_ui.url}/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Connection ID").fill(conn_id)
    dialog.get_by_label("Connection Type").fill("Supabase")
    page.get_by_role("option", name="Supabase", exact=True).click()
    return page, dialog


def show_section(dialog: Any, name: str) -> None:
    # The form's sections are an accordion: opening one closes the others, and clicking an open one closes it.
    header = dialog.get_by_role("button", name=name, exact=True)
    if header.get_attribute("aria-expanded") != "true":
        header.click()


@pytest.fixture(scope="module")
def supabase_form(context: Any, airflow_ui: AirflowUI) -> Iterator[Any]:
    """The Add Connection dialog with "Supabase" chosen and nothing saved."""
    page, dialog = open_supabase_form(context, airflow_ui, "supabase_form_check")
    yield dialog
    page.close()


@pytest.fixture(scope="module")
def saved_connection(
    context: Any, airflow_ui: AirflowUI, ui_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A connection filled in and saved through the form; yields the Connections list it returns to."""
    from playwright.sync_api import expect

    page, dialog = open_supabase_form(context, airflow_ui, SAVED_CONN_ID)
    dialog.get_by_label("API URL").fill(ui_emulator.url)
    dialog.get_by_label("Access Token").fill(TOKEN)
    show_section(dialog, "Extra Fields")
    dialog.get_by_label("Request timeout (seconds)").fill("10")
    show_section(dialog, "Standard Fields")
    retake = os.environ.get("UPDATE_SCREENSHOT") == "1"
    screenshot = DOCS_SCREENSHOT if retake else tmp_path_factory.mktemp("ui") / "form.png"
    dialog.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 0
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    yield page
    page.close()


def test_the_token_field_is_labelled_access_token_and_masked(supabase_form: Any) -> None:
    from playwright.sync_api import expect

    show_section(supabase_form, "Standard Fields")
    token = supabase_form.get_by_label("Access Token", exact=True)
    expect(token).to_be_visible()
    expect(token).to_have_attribute("type", "password")


def test_the_host_field_is_labelled_api_url(supabase_form: Any) -> None:
    from playwright.sync_api import expect

    show_section(supabase_form, "Standard Fields")
    expect(supabase_form.get_by_label("API URL", exact=True)).to_be_visible()


def test_placeholders_say_what_to_type(supabase_form: Any) -> None:
    from playwright.sync_api import expect

    show_section(supabase_form, "Standard Fields")
    expect(supabase_form.get_by_label("Access Token")).to_have_attribute(
        "placeholder", "sbp_... (personal access token)"
    )
    expect(supabase_form.get_by_label("API URL")).to_have_attribute("placeholder", "https://api.supabase.com")


def test_login_schema_and_port_are_not_shown(supabase_form: Any) -> None:
    from playwright.sync_api import expect

    show_section(supabase_form, "Standard Fields")
    for label in ("Login", "Schema", "Port"):
        expect(supabase_form.get_by_label(label, exact=True)).to_have_count(0)
    shown = [text.replace("*", "").strip() for text in supabase_form.locator("label:visible").all_inner_texts()]
    assert shown == ["Connection ID", "Connection Type", "Description", "API URL", "Access Token"]


def test_extra_fields_offer_the_four_settings_with_their_defaults(supabase_form: Any) -> None:
    from playwright.sync_api import expect

    show_section(supabase_form, "Extra Fields")
    for label, default in (
        ("Request timeout (seconds)", "30"),
        ("Max retries per request", "5"),
        ("Longest wait between retries (seconds)", "60"),
        ("Longest time one call keeps retrying 429s (seconds)", "300"),
    ):
        expect(supabase_form.get_by_label(label)).to_have_value(default)


def test_extra_fields_say_what_each_setting_does(supabase_form: Any) -> None:
    from playwright.sync_api import expect

    show_section(supabase_form, "Extra Fields")
    (supabase,) = get_provider_info()["connection-types"]
    for field in supabase["conn-fields"].values():
        expect(supabase_form.get_by_text(field["description"])).to_be_visible()


def test_a_connection_saved_through_the_form_is_stored(
    saved_connection: Any, airflow_ui: AirflowUI, ui_emulator: Emulator
) -> None:
    stored = airflow_ui.api("GET", f"connections/{SAVED_CONN_ID}")
    assert stored["conn_type"] == "supabase"
    assert stored["host"] == ui_emulator.url
    assert stored["password"] == "***"  # set, and masked by the API
    assert (stored["login"], stored["schema"], stored["port"]) == (None, None, None)
    assert json.loads(stored["extra"]) == {
        "timeout": 10,
        "max_retries": 5,
        "retry_max_wait": 60,
        "rate_limit_max_wait": 300,
    }


def test_the_api_server_connects_with_the_saved_token(
    saved_connection: Any, airflow_ui: AirflowUI, ui_emulator: Emulator
) -> None:
    # The body the UI's Test sends, less its bogus port: the API server fills in the stored token.
    result = airflow_ui.api(
        "POST",
        "connections/test",
        {"connection_id": SAVED_CONN_ID, "conn_type": "supabase", "host": ui_emulator.url, "password": "***"},
    )
    assert result == {"status": True, "message": f"Connected to {ui_emulator.url}: 1 organization(s) visible"}


def _without_the_port_the_ui_invents(route: Any) -> None:
    """Airflow 3.3.1-3.3.2's Test button sends ``port: 0`` for a connection that has no port, and the API server
    then refuses it as differing from the stored connection (apache/airflow#73298, fixed upstream, not yet
    released). Sending the port the connection really has (none) lets the rest of the chain run for real: the
    UI's request, the API server, the provider's ``test_connection``, the emulator, and the toast. On an Airflow
    that no longer invents the port, the request goes through untouched."""
    body = json.loads(route.request.post_data or "{}")
    if body.get("port") == 0:
        body["port"] = None
    route.continue_(post_data=json.dumps(body))


def test_pressing_test_reports_success(saved_connection: Any, ui_emulator: Emulator) -> None:
    from playwright.sync_api import expect

    page = saved_connection
    page.route("**/api/v2/connections/test", _without_the_port_the_ui_invents)
    row = page.get_by_role("row").filter(has_text=SAVED_CONN_ID)
    with page.expect_response(lambda response: response.url.endswith("/api/v2/connections/test")) as answer:
        row.get_by_role("button", name="Test Connection").click()
    notifications = page.get_by_role("region", name=re.compile(r"^Notifications"))
    expect(notifications.get_by_text(re.compile(r"^Test Connection (Successful|Failed)$"))).to_be_visible()
    # Read the toast at once: it fades after a few seconds.
    shown = notifications.inner_text()
    assert answer.value.status == 200, answer.value.text()
    assert "Test Connection Successful" in shown
    assert f"Connected to {ui_emulator.url}: 1 organization(s) visible" in shown
