"""On a failed live test, show why: the end of the standalone log and of every task log with an error."""

from __future__ import annotations

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    live = getattr(item, "funcargs", {}).get("live")
    if report.when == "call" and report.failed and live is not None:
        report.sections.append(("airflow standalone", live.diagnostics))
