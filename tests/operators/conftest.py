"""``run_tasks``: run a few operator lines inside a real DAG (``dag.test()`` against the emulator)."""

from __future__ import annotations

import re
import textwrap

import pytest

_HEADER = """\
from datetime import datetime, timedelta

from airflow.sdk import DAG

{imports}

with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1), catchup=False, params={params!r}):
{tasks}
"""


@pytest.fixture
def run_tasks(run_dag, request):
    """Run ``tasks`` (operator lines, written at column 0) in a DAG named after the test (plus ``dag_suffix``, for
    a second DAG); return the ``DagRunResult``. ``imports`` are added at the top of the DAG file."""

    def runner(
        tasks: str,
        *,
        imports: str = "",
        params: dict | None = None,
        run_conf: dict | None = None,
        dag_suffix: str = "",
    ):
        dag_id = re.sub(r"\W+", "_", request.node.name).strip("_")[:200] + dag_suffix
        source = _HEADER.format(
            imports=textwrap.dedent(imports).strip(),
            dag_id=dag_id,
            params=params or {},
            tasks=textwrap.indent(textwrap.dedent(tasks).strip(), "    "),
        )
        return run_dag(source, dag_id, run_conf=run_conf)

    return runner
