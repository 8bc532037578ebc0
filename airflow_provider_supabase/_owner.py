"""One way to own a hook, for every operator and sensor: the connection id, a hook built on first use, and the
hook closed when ``execute`` or ``execute_complete`` ends, however it ends."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_supabase.hooks.supabase import SupabaseHook

_CLOSING_METHODS = ("execute", "execute_complete")


def _closing(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: SupabaseHookOwner, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            self.close_hook()

    run.__supabase_closes_hook__ = True  # type: ignore[attr-defined]
    return run


class SupabaseHookOwner:
    """Mixed into operators and sensors. ``__init__`` only stores the connection id: DAG files are parsed every
    few seconds, so the hook (and with it ``requests`` and the connection lookup) is built on first use."""

    supabase_conn_id: str
    _hook: SupabaseHook | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _CLOSING_METHODS:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "__supabase_closes_hook__", False):
                setattr(cls, name, _closing(method))

    @property
    def hook(self) -> SupabaseHook:
        """The task's ``SupabaseHook``, built on first use and closed when the task method returns."""
        if self._hook is None:
            from airflow_provider_supabase.hooks.supabase import SupabaseHook

            self._hook = SupabaseHook(supabase_conn_id=self.supabase_conn_id)
        return self._hook

    def close_hook(self) -> None:
        if self._hook is not None:
            self._hook.close()
            self._hook = None
