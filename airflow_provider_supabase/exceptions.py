"""The provider's two error types: the API said no (``SupabaseApiError``), or the input was refused
before any request was sent (``SupabaseInputError``)."""

from __future__ import annotations

from airflow_provider_supabase.compat import AirflowException, AirflowFailException


class SupabaseApiError(AirflowException):
    """A Management API call failed: HTTP status (``None`` when no response came), method, path, and
    the API's own message. The text never carries the token or a request body."""

    # Set by the transport for the retry policy: may it be retried, after how long the server asked us
    # to wait, and may the request have taken effect although it failed.
    retryable: bool = False
    retry_after: float | None = None
    uncertain: bool = False
    timed_out: bool = False
    retry_reason: str = ""

    def __init__(self, message: str, *, status_code: int | None, method: str, path: str) -> None:
        self.status_code = status_code  # type: ignore[assignment]  # AirflowException types it HTTPStatus
        self.method = method
        self.path = path
        self.api_message = message
        shown = status_code if status_code is not None else "no response"
        super().__init__(f"Supabase API {method} {path} failed ({shown}): {message}")

    def __reduce__(self):  # keep pickling (task results, XCom of exceptions) working with kw-only args
        return (_rebuild_api_error, (self.api_message, self.status_code, self.method, self.path))


def _rebuild_api_error(message: str, status_code: int | None, method: str, path: str) -> SupabaseApiError:
    return SupabaseApiError(message, status_code=status_code, method=method, path=path)


class SupabaseInputError(AirflowFailException, ValueError):
    """Bad input refused before any request. An AirflowFailException: a task retry cannot fix it."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"Invalid {field}: {problem}")

    def __reduce__(self):
        return (SupabaseInputError, (self.field, str(self).removeprefix(f"Invalid {self.field}: ")))
