"""Send one request and return its raw response: the only code that exists once for requests (sync hook) and
once for httpx (async hook). Everything else about a call, retries included, is in ``hooks.call``."""

from __future__ import annotations

import functools
import socket
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.hooks.request import Request, Response, transport_error

if TYPE_CHECKING:
    import httpx
    import requests

    from airflow_provider_supabase.hooks.connection import ClientSettings


class RequestsTransport:
    """One reused ``requests.Session`` with the connection's headers."""

    def __init__(self, settings: ClientSettings) -> None:
        import requests

        self.settings = settings
        self.session: requests.Session = requests.Session()
        self.session.headers.update(settings.headers)

    def send(self, request: Request) -> Response:
        import requests

        settings = self.settings
        try:
            response = self.session.request(
                request.method,
                settings.base_url + request.path,
                params=request.params,
                json=request.json,
                data=request.data,
                files=request.files,
                headers=request.headers,
                timeout=(min(10.0, settings.timeout), settings.timeout),
                allow_redirects=False,
                # Per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify.
                verify=settings.verify,
            )
        except (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError) as exc:
            raise transport_error(request, exc, sent=False) from None
        except requests.exceptions.ConnectionError as exc:
            raise transport_error(request, exc, sent=not never_connected(exc)) from None
        except requests.exceptions.Timeout as exc:
            raise transport_error(request, exc, sent=True, timed_out=True) from None
        except requests.exceptions.RequestException as exc:
            raise transport_error(request, exc, sent=True) from None
        return Response(response.status_code, response.headers, response.content)

    def close(self) -> None:
        self.session.close()


def never_connected(exc: BaseException) -> bool:
    """True when requests failed before the request could reach the server (refused, DNS, connect timeout).

    requests wraps urllib3's errors (``ConnectionError(MaxRetryError(reason=NewConnectionError(...)))``), so the
    chain is walked through ``reason``, ``args[0]`` and the exception context.
    """
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    before_sending = (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError, socket.gaierror)
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, before_sending):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
        elif current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
        else:
            current = current.__cause__ or current.__context__
    return False


@functools.lru_cache(maxsize=8)
def _ssl_context(verify: bool | str) -> Any:
    """One SSL context per verify setting, shared by every async client of the process.

    httpx builds a context and loads the CA bundle for each new client: ~20 ms of CPU and ~0.8 MB, on the
    event loop. A triggerer starting hundreds of triggers would stall for seconds (bench/README.md).
    """
    import httpx

    return httpx.create_ssl_context(verify=verify)


class HttpxTransport:
    """One ``httpx.AsyncClient`` with the connection's headers, timeouts and a shared SSL context."""

    def __init__(self, settings: ClientSettings) -> None:
        import httpx

        self.settings = settings
        self.client: httpx.AsyncClient = httpx.AsyncClient(
            headers=settings.headers,
            verify=_ssl_context(settings.verify),
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            follow_redirects=False,
        )

    async def send(self, request: Request) -> Response:
        import httpx

        try:
            response = await self.client.request(
                request.method,
                self.settings.base_url + request.path,
                params=request.params,
                json=request.json,
                data=request.data,
                files=request.files,
                headers=request.headers,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise transport_error(request, exc, sent=False) from None
        except httpx.TimeoutException as exc:
            raise transport_error(request, exc, sent=True, timed_out=True) from None
        except httpx.HTTPError as exc:
            raise transport_error(request, exc, sent=True) from None
        return Response(response.status_code, response.headers, response.content)

    async def aclose(self) -> None:
        await self.client.aclose()
