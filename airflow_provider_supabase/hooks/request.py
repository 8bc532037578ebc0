"""What one Management API call is (``Request``), how an uncertain create is recognised afterwards
(``Recovery``), and how one HTTP response becomes a result or a ``SupabaseApiError``. No transport here."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.retry import RETRYABLE_STATUS, header, server_wait_hint

Pick = Callable[[Any, frozenset[str]], Any]


@dataclass(frozen=True)
class Recovery:
    """How to find out whether an uncertain non-idempotent request already took effect.

    After a failure that may have reached the server, the call loop sends ``GET path`` and asks
    ``pick(found, existed)`` for the resource the request created: ``found`` is the parsed answer (``None`` on a
    404, or another status in ``absent``) and ``existed`` the identities that were there before the first attempt
    (listed by the endpoint's plan), so a same-named resource that already existed is never mistaken for the one
    this call created. ``None`` from ``pick`` means "not created": the request is sent again.
    """

    path: str
    pick: Pick
    params: Mapping[str, Any] | None = None
    existed: frozenset[str] = frozenset()
    # Statuses of the lookup that mean "nothing there yet" (a branch list answers 422 until the first branch).
    absent: frozenset[int] = frozenset({404})


def identities(items: Any) -> frozenset[str]:
    """The ids (or refs, or slugs) of a listing, for ``Recovery.existed``."""
    if not isinstance(items, list):
        return frozenset()
    return frozenset(
        str(item.get("id") or item.get("ref") or item.get("slug")) for item in items if isinstance(item, Mapping)
    )


@dataclass(frozen=True)
class Request:
    """One HTTP request of an endpoint. ``template`` is the path with its parameters unfilled (rate-limit key)."""

    method: str
    path: str
    template: str
    json: Any = None
    params: Mapping[str, Any] | None = None
    data: Mapping[str, str] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    headers: Mapping[str, str] | None = None  # beside the connection's own (e.g. ``Idempotency-Key``)
    expect: str = "json"  # "json" or "text"
    idempotent: bool = True
    recovery: Recovery | None = None
    transform: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Response:
    """What a transport hands back: the status, headers and body of one HTTP response, not yet judged."""

    status: int
    headers: Mapping[str, str]
    content: bytes


def api_message(content: bytes) -> str:
    """The API's ``{"message": ...}``, else a short, single-line excerpt of the body."""
    try:
        payload = json.loads(content)
    except ValueError:
        payload = None
    if isinstance(payload, Mapping):
        for key in ("message", "error", "msg"):
            if payload.get(key):
                return str(payload[key])[:500]
    text = content.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:300] or "(empty response body)"


def error(
    req: Request,
    message: str,
    status: int | None,
    *,
    retryable: bool,
    retry_after: float | None = None,
    uncertain: bool = False,
    timed_out: bool = False,
) -> SupabaseApiError:
    return SupabaseApiError(
        message,
        status_code=status,
        method=req.method,
        path=req.path,
        retryable=retryable,
        retry_after=retry_after,
        uncertain=uncertain,
        timed_out=timed_out,
    )


def transport_error(req: Request, exc: BaseException, *, sent: bool, timed_out: bool = False) -> SupabaseApiError:
    """A failure with no HTTP response. ``sent`` says the server may have acted on the request."""
    kind = type(exc).__name__
    if sent:
        message = f"{kind}: the connection failed after the request was sent; it may have taken effect"
    else:
        message = f"{kind}: could not connect"
    retryable = not sent or req.idempotent or req.recovery is not None
    return error(req, message, None, retryable=retryable, uncertain=sent, timed_out=timed_out and sent)


def interpret(req: Request, response: Response) -> Any:
    """Turn one HTTP response into the parsed result, or raise ``SupabaseApiError``."""
    status, headers, content = response.status, response.headers, response.content
    if 200 <= status < 300:
        if req.expect == "text":
            result: Any = content.decode("utf-8", "replace")
        elif not content.strip():
            result = None
        else:
            try:
                result = json.loads(content)
            except ValueError:
                # The request reached the server and may have taken effect: only idempotent calls, or
                # ones that can check first, may repeat it.
                raise error(
                    req,
                    "the API answered with a body that is not valid JSON",
                    status,
                    retryable=req.idempotent or req.recovery is not None,
                    uncertain=True,
                ) from None
        return req.transform(result) if req.transform is not None else result
    if 300 <= status < 400:
        target = urlsplit(header(headers, "Location") or "").netloc or "an unknown location"
        raise error(
            req,
            f"unexpected redirect to {target}; redirects are not followed so the token never leaves the "
            "configured host",
            status,
            retryable=False,
        )
    message = api_message(content)
    if status in RETRYABLE_STATUS:
        # A 429 was refused outright; a 5xx may have been half-processed, so non-idempotent requests
        # repeat only after their recovery check.
        retryable = status == 429 or req.idempotent or req.recovery is not None
        raise error(
            req,
            message,
            status,
            retryable=retryable,
            retry_after=server_wait_hint(status, headers),
            uncertain=status != 429,
        )
    raise error(req, message, status, retryable=False)
