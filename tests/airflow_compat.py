"""The few Airflow internals the test helpers reach, wherever the installed minor keeps them (3.0 to 3.3).

The package's own imports go through ``airflow_provider_supabase.compat``; these are what only tests use.
"""

from __future__ import annotations

import functools
import logging
from typing import Any


def dag_bag(path: str) -> Any:
    """A ``DagBag`` of one file: ``airflow.dag_processing.dagbag`` from 3.2, ``airflow.models.dagbag`` before."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    return DagBag(path)


def redact(value: Any) -> Any:
    """What the secrets masker makes of ``value``: ``airflow.sdk.log`` from 3.1, the execution-time masker on 3.0."""
    try:
        from airflow.sdk.log import redact as sdk_redact
    except ImportError:
        from airflow.sdk.execution_time.secrets_masker import redact as sdk_redact  # type: ignore[no-redef]
    return sdk_redact(value)


@functools.cache
def plain_task_tracebacks() -> None:
    """Airflow 3.0's ``dag.test()`` prints a failed task's exception through rich, which wraps the message at 100
    columns and colours it, so a test could not find it in the output: render tracebacks plain there instead,
    through Airflow's own processors so secrets stay masked. 3.1+ prints them plain already."""
    import airflow

    if not airflow.__version__.startswith("3.0."):
        return
    import structlog
    from airflow.sdk.log import logging_processors

    processors, _ = logging_processors(enable_pretty_log=True, colored_console_log=False)
    processors[-1] = structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    # INFO, as Airflow's own logging set-up would: 3.0's in-process supervisor logs each MaskSecret request, value
    # in clear, at DEBUG before the value is masked.
    structlog.configure(processors=processors, wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))


@functools.cache
def one_in_process_execution_api() -> None:
    """Before 3.3, every task ``dag.test()`` runs builds a new in-process Execution API, and with it the whole
    FastAPI app (every route of every API version): seconds per task, most of a compatibility lane's time.
    Airflow 3.3 keeps one per process (``functools.lru_cache`` on ``in_process_api_server``); the older minors get
    the same here. The API itself still answers every task's calls as before."""
    from airflow.sdk.execution_time import supervisor

    server = supervisor.in_process_api_server
    if not hasattr(server, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(server)  # type: ignore[assignment]
