"""One check for "this value never leaks": registered with the masker, and absent from what a run stored."""

from __future__ import annotations

from tests.airflow_compat import redact


def assert_never_leaked(result, *values: str) -> None:
    """Each value is known to Airflow's secrets masker (so any later log line shows ``***``) and appears in
    none of the run's stored rendered fields, XComs or captured task log."""
    for value in values:
        assert redact(value) == "***", "the value was not passed to mask_secret"
        assert value not in repr(result.rendered)
        assert value not in repr(result.xcoms)
        assert value not in result.log
