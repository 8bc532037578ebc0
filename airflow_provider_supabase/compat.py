"""Where each Airflow name the provider uses lives on Airflow 3.0 to 3.3: the only module that knows.

``airflow.sdk`` grew between minors, so every name is tried at its newest home first and its older one
after. Names resolve on first use (PEP 562), so an operator module pays only for what it imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import (
        BaseHook as BaseHook,
    )
    from airflow.sdk import (
        BaseOperator as BaseOperator,
    )
    from airflow.sdk import (
        BaseOperatorLink as BaseOperatorLink,
    )
    from airflow.sdk import (
        BaseSensorOperator as BaseSensorOperator,
    )
    from airflow.sdk import (
        Connection as Connection,
    )
    from airflow.sdk import (
        Context as Context,
    )
    from airflow.sdk import (
        PokeReturnValue as PokeReturnValue,
    )
    from airflow.sdk import Variable as Variable
    from airflow.sdk import (
        conf as conf,
    )
    from airflow.sdk.exceptions import (
        AirflowException as AirflowException,
    )
    from airflow.sdk.exceptions import (
        AirflowFailException as AirflowFailException,
    )
    from airflow.sdk.exceptions import (
        AirflowSensorTimeout as AirflowSensorTimeout,
    )
    from airflow.sdk.execution_time.xcom import XCom as XCom
    from airflow.sdk.log import mask_secret as mask_secret
    from airflow.sdk.types import TaskInstanceKey as TaskInstanceKey
    from airflow.triggers.base import BaseTrigger as BaseTrigger
    from airflow.triggers.base import TriggerEvent as TriggerEvent

# Newest home first. The comments say from which minor the first one holds the name.
_HOMES: dict[str, tuple[str, ...]] = {
    "BaseHook": ("airflow.sdk", "airflow.hooks.base"),  # 3.1
    "conf": ("airflow.sdk", "airflow.configuration"),  # 3.2
    "AirflowException": ("airflow.sdk.exceptions", "airflow.exceptions"),  # 3.1
    "AirflowFailException": ("airflow.sdk.exceptions", "airflow.exceptions"),  # 3.2
    "AirflowSensorTimeout": ("airflow.sdk.exceptions", "airflow.exceptions"),  # 3.2
    "TaskInstanceKey": ("airflow.sdk.types", "airflow.models.taskinstancekey"),  # 3.2
    "BaseOperator": ("airflow.sdk",),
    "BaseOperatorLink": ("airflow.sdk",),
    "BaseSensorOperator": ("airflow.sdk",),
    "Connection": ("airflow.sdk",),
    "Context": ("airflow.sdk",),
    "PokeReturnValue": ("airflow.sdk",),
    "XCom": ("airflow.sdk.execution_time.xcom",),
    "mask_secret": ("airflow.sdk.log",),
    "BaseTrigger": ("airflow.triggers.base",),
    "TriggerEvent": ("airflow.triggers.base",),
    "Variable": ("airflow.sdk",),
}

__all__ = [*sorted(_HOMES), "aget_connection", "reschedule_safe"]


def __getattr__(name: str) -> Any:
    homes = _HOMES.get(name)
    if homes is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for home in homes:
        try:
            value = getattr(importlib.import_module(home), name)
        except (ImportError, AttributeError):
            continue
        globals()[name] = value
        return value
    raise ImportError(f"cannot import {name!r} from any of {', '.join(homes)}: is apache-airflow>=3.0 installed?")


async def aget_connection(hook: Any, conn_id: str) -> Connection:
    """The connection ``conn_id``, fetched without blocking the event loop (for triggers).

    ``BaseHook.aget_connection`` only exists from 3.1, and until 3.3.2 it masks the connection's secrets with a
    synchronous call to the supervisor, which raises ``DeadlockImminentError`` while another trigger's call is in
    flight. Before 3.3.2 (told apart by ``Connection.aextra_dejson``, which came with the async masking) the
    synchronous lookup runs in a worker thread instead, as the official providers do.
    """
    connection_class = __getattr__("Connection")
    if hasattr(connection_class, "aextra_dejson"):
        return await hook.aget_connection(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(hook.get_connection)(conn_id)


class _ParsedRescheduleDate:
    """A task instance whose ``get_first_reschedule_date`` is always a datetime; all else is the real one's."""

    def __init__(self, ti: Any) -> None:
        self._ti = ti

    def get_first_reschedule_date(self, context: Any) -> Any:
        value = self._ti.get_first_reschedule_date(context)
        if isinstance(value, str):
            from datetime import datetime

            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ti, name)


def reschedule_safe(context: Context) -> Context:
    """``context`` for a reschedule-mode ``BaseSensorOperator.execute``, whatever the minor.

    Under ``dag.test()`` (``airflow dags test``) on 3.0, ``ti.get_first_reschedule_date`` answers the ISO string
    the API sent rather than a datetime, and the sensor's third poke then fails with ``TypeError`` where it works
    out how long it has run (apache/airflow#58777, fixed in 3.1). A real worker parses the date, and so does this.
    """
    ti = context.get("ti")
    if ti is None or isinstance(ti, _ParsedRescheduleDate):
        return context
    return {**context, "ti": _ParsedRescheduleDate(ti)}  # type: ignore[typeddict-item]
