"""SupabaseHook (requests) and SupabaseAsyncHook (httpx): every Management API endpoint, one call loop.

The endpoints live in ``hooks.endpoints`` (one module per API tag), the call loop in ``hooks.call``, the connection
in ``hooks.connection`` and the two ways of sending a request in ``hooks.transport``. This module only joins them:
each hook is the endpoints, the connection, and a driver that runs the call loop with its transport.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.compat import BaseHook
from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.call import Action, Call, Plan, Sleep
from airflow_provider_supabase.hooks.connection import ClientSettings, SupabaseConnectionMixin
from airflow_provider_supabase.hooks.endpoints import Endpoints
from airflow_provider_supabase.hooks.endpoints.functions import FUNCTION_QUERY_FIELDS
from airflow_provider_supabase.hooks.endpoints.projects import PROJECT_EXTRA_FIELDS
from airflow_provider_supabase.hooks.request import Request
from airflow_provider_supabase.steps import adrive, drive

if TYPE_CHECKING:
    import requests

    from airflow_provider_supabase.hooks.endpoints._async import AsyncEndpoints
    from airflow_provider_supabase.hooks.transport import HttpxTransport, RequestsTransport

    _AsyncEndpoints = AsyncEndpoints
else:
    _AsyncEndpoints = Endpoints

__all__ = ["FUNCTION_QUERY_FIELDS", "PROJECT_EXTRA_FIELDS", "SupabaseAsyncHook", "SupabaseHook"]


class SupabaseHook(SupabaseConnectionMixin, Endpoints, BaseHook):
    """Synchronous hook: ``requests`` with one reused session per hook.

    :param supabase_conn_id: Airflow connection of type ``supabase`` (token in the password field).
    :param timeout: seconds per request; overrides the connection extra ``timeout`` (default 30).
    :param max_retries: retries after the first attempt; overrides the extra (default 5).
    :param retry_max_wait: longest single wait between retries in seconds; overrides the extra (default 60).
    """

    _transport: RequestsTransport | None

    # Airflow < 3.2 builds the connection form only from these methods, and only when the registered hook class
    # defines them itself (ProvidersManager checks the class __dict__): on a mixin they would never be read.
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Connection form for Airflow < 3.2 (3.2+ reads it from provider info).

        Same content as provider info's ``ui-field-behaviour``, in the spelling this classmethod must use
        (``hidden_fields``, not provider info's ``hidden-fields``).
        """
        from airflow_provider_supabase import get_provider_info

        form = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
        return {key.replace("-", "_"): value for key, value in form.items()}

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields for Airflow < 3.2's connection form."""
        try:
            from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
            from flask_babel import lazy_gettext
            from wtforms import StringField
        except ImportError:  # Airflow 3.2+ has no FAB form; conn-fields in provider info replace this
            return {}
        from airflow_provider_supabase import get_provider_info

        fields = get_provider_info()["connection-types"][0]["conn-fields"]
        return {
            key: StringField(lazy_gettext(spec["label"]), widget=BS3TextFieldWidget()) for key, spec in fields.items()
        }

    @property
    def settings(self) -> ClientSettings:
        """The connection's settings, read once."""
        if self._settings is None:
            self._configure(self.get_connection(self.supabase_conn_id))
        assert self._settings is not None
        return self._settings

    def _transport_for(self) -> RequestsTransport:
        if self._transport is None:
            from airflow_provider_supabase.hooks.transport import RequestsTransport

            self._transport = RequestsTransport(self.settings)
        return self._transport

    def get_conn(self) -> requests.Session:
        """The hook's ``requests.Session``, created once and reused for every call."""
        return self._transport_for().session

    def close(self) -> None:
        """Release the session's connections; the next call opens a new session."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _perform(self, action: Action) -> Any:
        if isinstance(action, Sleep):
            return time.sleep(action.seconds)
        return self._transport_for().send(action.request)

    def _run(self, plan: Request | Plan) -> Any:
        settings = self.settings  # reads the connection and builds the retry policy once
        assert self._policy is not None
        return drive(Call(settings, self._policy, self.log).steps(plan), self._perform)

    def test_connection(self) -> tuple[bool, str]:
        """One cheap GET: list the organizations the token can see."""
        try:
            orgs = self.list_organizations()
        except SupabaseApiError as err:
            return False, err.api_message
        except Exception as err:
            return False, str(err)
        return True, f"Connected to {self.settings.base_url}: {len(orgs or [])} organization(s) visible"


class SupabaseAsyncHook(SupabaseConnectionMixin, _AsyncEndpoints, BaseHook):
    """Async twin for triggers: httpx, the async connection API, the same endpoints and call loop; the same
    parameters as ``SupabaseHook``.

    Every endpoint method returns an awaitable (its types say so: ``hooks/endpoints/_async.pyi``). Use
    ``async with SupabaseAsyncHook(...) as hook`` (or call ``aclose()``) so the client's connections are released.
    """

    _transport: HttpxTransport | None

    async def asettings(self) -> ClientSettings:
        """The connection's settings, read once without blocking the event loop."""
        if self._settings is None:
            from airflow_provider_supabase.compat import aget_connection

            self._configure(await aget_connection(self, self.supabase_conn_id))
        assert self._settings is not None
        return self._settings

    async def _transport_for(self) -> HttpxTransport:
        if self._transport is None:
            from airflow_provider_supabase.hooks.transport import HttpxTransport

            self._transport = HttpxTransport(await self.asettings())
        return self._transport

    async def aclose(self) -> None:
        """Release the client's connections; the next call opens a new client."""
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    async def __aenter__(self) -> SupabaseAsyncHook:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _perform(self, action: Action) -> Any:
        if isinstance(action, Sleep):
            return await asyncio.sleep(action.seconds)
        transport = await self._transport_for()
        return await transport.send(action.request)

    async def _run(self, plan: Request | Plan) -> Any:
        settings = await self.asettings()
        assert self._policy is not None
        return await adrive(Call(settings, self._policy, self.log).steps(plan), self._perform)
