"""The provider's two error types: the API said no (``SupabaseApiError``), or the input was refused
before any request was sent (``SupabaseInputError``)."""

from __future__ import annotations

from airflow_provider_supabase.compat import AirflowException, AirflowFailException


class SupabaseApiError(AirflowException):
    """A Management API call failed: HTTP status (``None`` when no response came), method, path, and
    the API's own message. The text never carries the token or a request body.

    The transport also records, for the retry policy: whether the call may be retried (``retryable``), how long
    the server asked to wait (``retry_after``), whether the request may have taken effect although it failed
    (``uncertain``), and whether it timed out after being sent (``timed_out``).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None,
        method: str,
        path: str,
        retryable: bool = False,
        retry_after: float | None = None,
        uncertain: bool = False,
        timed_out: bool = False,
    ) -> None:
        self.status_code = status_code  # type: ignore[assignment]  # AirflowException types it HTTPStatus
        self.method = method
        self.path = path
        self.api_message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.uncertain = uncertain
        self.timed_out = timed_out
        shown = status_code if status_code is not None else "no response"
        super().__init__(f"Supabase API {method} {path} failed ({shown}): {message}")

    @property
    def retry_reason(self) -> str:
        """One line for the retry log: what failed and what the server asked for."""
        status = f"HTTP {self.status_code}" if self.status_code is not None else "no response"
        wait = f" (server asked to wait {self.retry_after:.1f}s)" if self.retry_after is not None else ""
        return f"{self.method} {self.path}: {status}{wait} - {self.api_message}"

    def __reduce__(self):  # keep pickling (task results, XCom of exceptions) working with kw-only args
        return (
            _rebuild_api_error,
            (self.api_message, self.status_code, self.method, self.path),
            {
                "retryable": self.retryable,
                "retry_after": self.retry_after,
                "uncertain": self.uncertain,
                "timed_out": self.timed_out,
            },
        )


def _rebuild_api_error(message: str, status_code: int | None, method: str, path: str) -> SupabaseApiError:
    return SupabaseApiError(message, status_code=status_code, method=method, path=path)


class SupabaseInputError(AirflowFailException, ValueError):
    """Bad input refused before any request. An AirflowFailException: a task retry cannot fix it."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"Invalid {field}: {problem}")

    def __reduce__(self):
        return (SupabaseInputError, (self.field, str(self).removeprefix(f"Invalid {self.field}: ")))
