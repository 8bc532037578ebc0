"""A real Airflow deployment for the live test: `airflow standalone` (api-server, scheduler, dag-processor,
triggerer, LocalExecutor) on a scratch home and SQLite, as its own process group, read back through its
metadata database and driven through its REST API and CLI."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.example_deployment import scratch_airflow_env

BIN = Path(sys.executable).parent
TERMINAL_RUN_STATES = {"success", "failed"}


class DeadlineExceeded(AssertionError):
    pass


@dataclass(frozen=True)
class Deferral:
    """A task instance seen deferred, with the trigger it waits on and the kind of job running that trigger."""

    dag_id: str
    task_id: str
    trigger_classpath: str
    runner_job_type: str | None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Standalone:
    def __init__(self, home: Path, dags_folder: Path, extra_env: dict[str, str], deadline: float) -> None:
        self.home = home
        self.deadline = deadline
        self.db_path = home / "airflow.db"
        self.log_path = home / "standalone.log"
        self.port = free_port()
        self.env = scratch_airflow_env(home, dags_folder)
        self.env.update(extra_env)
        self.env.update(
            # The scheduler, dag-processor, triggerer, api-server and every worker write to this one file: a
            # writer waits up to 60 s for another (5 s by default, too short on a busy machine).
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{self.db_path}?timeout=60",
            # standalone starts its components as `airflow` from PATH: they must be this environment's.
            PATH=f"{BIN}{os.pathsep}{self.env.get('PATH', '')}",
            AIRFLOW__CORE__EXECUTOR="LocalExecutor",
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__PORT=str(self.port),
            # Workers find the execution API here, not on the api-server's default port 8080.
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{self.port}/execution/",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
            # Every DAG waits paused until the test has set up what it reads, however fast it is parsed.
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
            AIRFLOW__CORE__PARALLELISM="4",
            # On a busy two-core machine the api-server can take more than the default 5 s to answer a worker.
            AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT="60",
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.started = time.monotonic()
        self._token: str | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def progress(self, message: str) -> None:
        print(f"[live {time.monotonic() - self.started:5.0f}s] {message}", flush=True)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    # ------------------------------------------------------------------ processes

    def start(self) -> None:
        # Write-ahead logging lets readers (the api-server, this test) and one writer work at once; the mode
        # is a property of the file, so Airflow creates its tables in a database already in it.
        with sqlite3.connect(self.db_path) as db:
            db.execute("PRAGMA journal_mode=WAL")
        self.started = time.monotonic()
        with self.log_path.open("wb") as log:
            # Its own session: stop() ends standalone and every component and worker it started, together.
            self.process = subprocess.Popen(
                [str(BIN / "airflow"), "standalone"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        _stop_group(process, grace=20)

    def airflow(self, *args: str) -> str:
        """Run an Airflow CLI command against this deployment; its output, or an assertion error with it."""
        self.progress(f"airflow {' '.join(args)}")
        process = subprocess.Popen(
            [str(BIN / "airflow"), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            out, _ = process.communicate(timeout=max(self.remaining(), 1))
        except subprocess.TimeoutExpired:
            _stop_group(process, grace=5)
            raise DeadlineExceeded(f"`airflow {' '.join(args)}` did not finish before the deadline") from None
        text = out.decode(errors="replace")
        assert process.returncode == 0, f"`airflow {' '.join(args)}` exited {process.returncode}:\n{text}"
        return text

    def airflow_parallel(self, *commands: tuple[str, ...]) -> None:
        """Run CLI commands at the same time: each starts a whole Airflow interpreter, which is slow."""
        errors: list[BaseException] = []

        def run(args: tuple[str, ...]) -> None:
            try:
                self.airflow(*args)
            except BaseException as err:
                errors.append(err)

        threads = [threading.Thread(target=run, args=(args,)) for args in commands]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def wait_for(self, what: str, condition: Callable[[], Any], interval: float = 1.0) -> Any:
        self.progress(f"waiting for {what}")
        while True:
            self.check_alive()
            result = condition()
            if result:
                return result
            if self.remaining() <= 0:
                raise DeadlineExceeded(f"gave up waiting for {what}")
            time.sleep(interval)

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"airflow standalone exited with {self.process.returncode}")

    # ------------------------------------------------------------------ REST API

    def api(self, method: str, path: str, body: Any = None) -> Any:
        if self._token is None:
            # With all users admins, the simple auth manager hands out a token to anyone who asks.
            self._token = self._request("GET", "/auth/token", None, {})["access_token"]
        return self._request(method, path, body, {"Authorization": f"Bearer {self._token}"})

    def _request(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.api_url + path, data=data, method=method, headers={"Content-Type": "application/json", **headers}
        )
        with urllib.request.urlopen(request, timeout=max(min(self.remaining(), 60), 1)) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def api_ready(self) -> bool:
        try:
            self._request("GET", "/api/v2/monitor/health", None, {})
        except OSError:
            return False
        return True

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def set_pool(self, name: str, slots: int, description: str) -> None:
        self.api("POST", "/api/v2/pools", {"name": name, "slots": slots, "description": description})

    def set_variable(self, key: str, value: Any) -> None:
        self.api("POST", "/api/v2/variables", {"key": key, "value": json.dumps(value)})

    # ------------------------------------------------------------------ metadata database

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if not self.db_path.exists():
            return []
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as err:
            # Tables appear only once standalone has created the database.
            if "no such table" in str(err):
                return []
            raise
        finally:
            db.close()

    def parsed_dags(self) -> set[str]:
        return {dag_id for (dag_id,) in self.query("SELECT dag_id FROM serialized_dag")}

    def import_errors(self) -> list[str]:
        return [f"{name}: {trace}" for name, trace in self.query("SELECT filename, stacktrace FROM import_error")]

    def runs(self, dag_id: str) -> dict[str, str]:
        return dict(self.query("SELECT run_id, state FROM dag_run WHERE dag_id = ?", dag_id))

    def runs_finished(self, dag_id: str, count: int = 1) -> dict[str, str] | None:
        """The DAG's runs, once there are ``count`` of them and all are over."""
        runs = self.runs(dag_id)
        return runs if len(runs) >= count and set(runs.values()) <= TERMINAL_RUN_STATES else None

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        rows = self.query(
            "SELECT value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = 'return_value' "
            "AND map_index = -1",
            dag_id,
            run_id,
            task_id,
        )
        return json.loads(rows[0][0]) if rows else None

    def deferrals(self) -> set[Deferral]:
        rows = self.query(
            "SELECT ti.dag_id, ti.task_id, t.classpath, j.job_type FROM task_instance ti "
            "JOIN trigger t ON t.id = ti.trigger_id LEFT JOIN job j ON j.id = t.triggerer_id "
            "WHERE ti.state = 'deferred'"
        )
        return {Deferral(*row) for row in rows}

    def log_tail(self, lines: int = 150) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def failed_task_logs(self, lines: int = 40) -> str:
        """The end of the log of every task try that did not succeed."""
        parts = []
        for path in sorted((self.home / "logs").glob("dag_id=*/run_id=*/task_id=*/**/attempt=*.log")):
            text = path.read_text(errors="replace")
            if '"level":"error"' in text or "Task failed" in text:
                tail = "\n".join(text.splitlines()[-lines:])
                parts.append(f"--- {path.relative_to(self.home)}\n{tail}")
        return "\n".join(parts) or "(no failed task logs)"


def _stop_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process's whole group, then SIGKILL whatever is left after ``grace`` seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    # Components outlive standalone by a little while they shut down; none may outlive the test.
    end = time.monotonic() + grace
    while time.monotonic() < end and _group_alive(process.pid):
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
