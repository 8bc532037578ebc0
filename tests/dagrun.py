"""Run a DAG file end to end with ``dag.test()`` and read back task states, XComs, rendered fields and
the captured task output from the SQLite metadata database."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.airflow_compat import dag_bag, one_in_process_execution_api, plain_task_tracebacks


@dataclass
class DagRunResult:
    state: str
    task_states: dict[str, str]
    xcoms: dict[tuple[str, int, str], Any]
    rendered: dict[tuple[str, int], dict[str, Any]]
    log: str = field(repr=False)
    try_numbers: dict[str, int] = field(default_factory=dict)

    def xcom(self, task_id: str, key: str = "return_value", map_index: int = -1) -> Any:
        return self.xcoms.get((task_id, map_index, key))

    def mapped_xcoms(self, task_id: str, key: str = "return_value") -> list[Any]:
        found = sorted((mi, v) for (t, mi, k), v in self.xcoms.items() if t == task_id and k == key and mi >= 0)
        return [v for _, v in found]


def run_dag_file(
    dags_folder: Path, source: str, dag_id: str, *, capfd=None, run_conf: dict | None = None, **test_kwargs: Any
) -> DagRunResult:
    """``test_kwargs`` go to ``dag.test()`` (e.g. ``run_after`` or ``logical_date`` for a scheduled run)."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    path = dags_folder / f"{dag_id}.py"
    path.write_text(textwrap.dedent(source))
    bag = dag_bag(str(path))
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag(dag_id)
    assert dag is not None, f"{dag_id} not found in {path}"
    plain_task_tracebacks()
    one_in_process_execution_api()
    if capfd is not None:
        capfd.readouterr()
    dagrun = dag.test(run_conf=run_conf, **test_kwargs)
    log = ""
    if capfd is not None:
        out, err = capfd.readouterr()
        log = out + err
    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == dagrun.run_id)
        ).all()
        task_states: dict[str, str] = {}
        try_numbers: dict[str, int] = {}
        for ti in tis:
            name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            task_states[name] = str(ti.state.value if hasattr(ti.state, "value") else ti.state)
            try_numbers[name] = ti.try_number
        rows = session.scalars(
            select(XComModel).where(XComModel.dag_id == dag_id, XComModel.run_id == dagrun.run_id)
        ).all()
        xcoms = {(r.task_id, r.map_index, r.key): XComModel.deserialize_value(r) for r in rows}
        rtifs = session.scalars(
            select(RenderedTaskInstanceFields).where(
                RenderedTaskInstanceFields.dag_id == dag_id,
                RenderedTaskInstanceFields.run_id == dagrun.run_id,
            )
        ).all()
        rendered = {(r.task_id, r.map_index): dict(r.rendered_fields) for r in rtifs}
    state = str(dagrun.state.value if hasattr(dagrun.state, "value") else dagrun.state)
    return DagRunResult(state, task_states, xcoms, rendered, log, try_numbers)
