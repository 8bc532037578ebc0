"""Helpers shared by the benchmarks: scratch Airflow setup, connections, statistics, machine facts."""

from __future__ import annotations

import atexit
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOKEN = "sbp_" + "0123456789abcdef" * 2 + "89abcdef"
HEADERS_CONN_ID = "bench"
ROOT = Path(__file__).resolve().parent.parent


def scratch_dir(prefix: str) -> str:
    """A temporary directory removed when this process exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def setup_airflow_env() -> Path:
    """Point Airflow at a scratch home before anything imports it (no examples, no unit-test mode)."""
    home = os.environ.get("SUPABASE_BENCH_AIRFLOW_HOME")
    if not home:
        # Created here, so removed here; child processes inherit the variable and leave it alone.
        home = scratch_dir("supabase-bench-airflow-")
        os.environ["SUPABASE_BENCH_AIRFLOW_HOME"] = home
    path = Path(home)
    (path / "dags").mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(path)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(path / "dags")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    return path


def set_supabase_conn(url: str, conn_id: str = HEADERS_CONN_ID, **extra: Any) -> str:
    conn: dict[str, Any] = {"conn_type": "supabase", "password": TOKEN, "host": url}
    if extra:
        conn["extra"] = extra
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)
    return conn_id


def set_http_conn(url: str, conn_id: str = "bench_http") -> str:
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps({"conn_type": "http", "host": url})
    return conn_id


def execute_directly(operator: Any) -> Any:
    """``operator.execute({})`` as Airflow's task runner calls it: with the sentinel that tells it the call is
    deliberate (without it, execute() warns it runs outside the runner, and the warning would be timed too)."""
    from airflow.sdk.bases.operator import ExecutorSafeguard

    return operator.execute({}, **{f"{type(operator).__name__}__sentinel": ExecutorSafeguard.sentinel_value})


@dataclass
class OperatorRuns:
    """Operator executions against an ``EmulatorProcess``, timed and counted from the emulator's request log,
    grouped by a key (the benchmark's size and scenario)."""

    emu: Any
    times_ms: dict[Any, list[float]] = field(default_factory=dict)
    counts: dict[Any, list[int]] = field(default_factory=dict)
    kinds: dict[Any, Counter[str]] = field(default_factory=dict)

    def execute(self, key: Any, operator: Any) -> Any:
        """Run ``operator`` once, timed; fails if any of its requests failed. ``kinds[key]`` keeps the requests
        of the last run by ``"METHOD /template"``."""
        since = len(self.emu.records())
        start = time.perf_counter()
        result = execute_directly(operator)
        elapsed = time.perf_counter() - start
        sent = self.emu.records(since)
        if any(status is None or status >= 400 for _, _, status, _ in sent):
            raise AssertionError(f"{operator.task_id} {key}: failed requests {sent}")
        self.times_ms.setdefault(key, []).append(elapsed * 1e3)
        self.counts.setdefault(key, []).append(len(sent))
        self.kinds[key] = Counter(f"{m} {t}" for m, t, _, _ in sent)
        return result


def stats(values: Iterable[float], digits: int = 3) -> dict[str, Any]:
    data = sorted(values)
    if not data:
        return {"n": 0, "min": None, "median": None, "max": None}
    return {
        "n": len(data),
        "min": round(data[0], digits),
        "median": round(statistics.median(data), digits),
        "max": round(data[-1], digits),
    }


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _meminfo_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _free_h() -> str:
    try:
        return subprocess.run(["free", "-h"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory": _meminfo_total(),
        "free_h": _free_h(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "versions": {
            name: _version(name)
            for name in (
                "apache-airflow",
                "apache-airflow-task-sdk",
                "airflow-provider-supabase",
                "apache-airflow-providers-http",
                "apache-airflow-providers-dbt-cloud",
                "requests",
                "httpx",
                "tenacity",
            )
        },
        "loadavg": loadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def rss_mb(pid: int | None = None) -> float:
    """Resident set size in MiB from /proc (no psutil needed)."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str))


def emit(result: dict[str, Any], output: str | None) -> None:
    """Write the result as JSON to ``output`` (what run_all reads), or print it."""
    if output:
        Path(output).write_text(json.dumps(result, indent=2, default=str) + "\n")
    else:
        print_json(result)
