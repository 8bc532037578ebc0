"""`make demo`: run the example DAGs with `airflow dags test` against a local emulator, then show what they built.

Uses a scratch AIRFLOW_HOME (SQLite) and the Supabase Management API emulator on 127.0.0.1, so it needs no
account and touches nothing outside its temporary directory. Exits 0 only if every task of every run
succeeded; the emulator (and any running Airflow command) is stopped on every exit, Ctrl-C included.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from example_deployment import (
    FULL_PROVISION_DAG,
    POOL,
    POOL_SLOTS,
    PROVISION_DAG,
    ROTATION_DAG,
    ROTATION_PROJECTS_VARIABLE,
    deployment_env,
    run_result,
    scratch_airflow_env,
    task_result,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A new project takes this long on the emulator, so the demo really waits (deferred) for it to be healthy.
PROJECT_READY_SECONDS = 2.0
COMMAND_TIMEOUT = 300
# supabase_rotate_credentials: the Variable naming its project, and the prefix of the API keys it makes.
CREDENTIALS_DAG = "supabase_rotate_credentials"
CREDENTIALS_PROJECT_VARIABLE = "supabase_credentials_project"
CREDENTIALS_KEY_PREFIX = "airflow_backend_"
CREDENTIALS_TASKS = ("rotate_api_key", "signing_key_step", "rotate_database_password")


class DemoFailed(Exception):
    pass


class Demo:
    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="supabase-demo-"))
        self.env = scratch_airflow_env(self.home, ROOT / "example_dags")
        self.emulator: subprocess.Popen[bytes] | None = None
        self.running: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.failed_tasks: list[str] = []

    # ------------------------------------------------------------------ processes

    def run(self, title: str, *args: str, log_name: str) -> None:
        """Run an Airflow CLI command, its output in a log file; fail with the log's tail if it fails."""
        log_path = self.home / f"{log_name}.log"
        print(f"- {title} ...", end="", flush=True)
        started = time.monotonic()
        with log_path.open("wb") as log:
            self.running = subprocess.Popen([str(BIN / "airflow"), *args], env=self.env, stdout=log, stderr=log)
            try:
                code = self.running.wait(timeout=COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                code = None
            finally:
                self._stop(self.running, "airflow")
                self.running = None
        elapsed = time.monotonic() - started
        if code != 0:
            print(f" FAILED ({'timed out' if code is None else f'exit {code}'}, {elapsed:.1f}s)")
            tail = log_path.read_text(errors="replace").splitlines()[-40:]
            print("\n".join(f"    | {line}" for line in tail))
            raise DemoFailed(f"{title} failed; full log: {log_path}")
        print(f" done ({elapsed:.1f}s)")

    def start_emulator(self) -> None:
        out = self.home / "emulator.out"
        with out.open("wb") as stdout, (self.home / "emulator.err").open("wb") as stderr:
            self.emulator = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "airflow_provider_supabase.emulator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--project-ready-seconds",
                    str(PROJECT_READY_SECONDS),
                ],
                env=self.env,
                stdout=stdout,
                stderr=stderr,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            first = out.read_text().partition("\n")
            if first[1]:
                self.url = first[0].rsplit(" ", 1)[-1]
                print(f"- Emulator listening on {self.url} (pid {self.emulator.pid})")
                return
            if self.emulator.poll() is not None:
                break
            time.sleep(0.05)
        err = (self.home / "emulator.err").read_text(errors="replace")
        raise DemoFailed(f"the emulator did not start:\n{err}")

    @staticmethod
    def _stop(process: subprocess.Popen[bytes] | None, name: str) -> None:
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print(f"  ({name} did not stop on SIGTERM; killing it)")
            process.kill()
            process.wait()

    def stop(self) -> None:
        self._stop(self.running, "airflow")
        self._stop(self.emulator, "emulator")

    # ------------------------------------------------------------------ state

    def emulator_state(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/_emulator/state", timeout=10) as response:
            return json.load(response)

    def check_tasks(self, dag_id: str) -> Any:
        states, report = run_result(self.home / "airflow.db", dag_id)
        bad = {task: state for task, state in sorted(states.items()) if state != "success"}
        print(f"  {len(states) - len(bad)}/{len(states)} tasks succeeded")
        for task, state in bad.items():
            print(f"  ! {task}: {state}")
            self.failed_tasks.append(f"{dag_id}.{task}")
        return report

    # ------------------------------------------------------------------ the demo

    def main(self) -> int:
        started = time.monotonic()
        print(f"Supabase provider demo (scratch Airflow home: {self.home})")
        self.start_emulator()
        # What a real deployment keeps in its secrets backend; the DAGs read them only at run time.
        self.env.update(deployment_env(self.url))
        self.run("airflow db migrate", "db", "migrate", log_name="db-migrate")
        self.run(
            f"airflow pools set {POOL} {POOL_SLOTS}",
            *("pools", "set", POOL, str(POOL_SLOTS), "Supabase Management API calls"),
            log_name="pools-set",
        )

        types_path = self.home / "database.types.ts"
        conf = json.dumps({"types_output_path": str(types_path)})
        self.run(
            f"airflow dags test {PROVISION_DAG}", "dags", "test", PROVISION_DAG, "-c", conf, log_name=PROVISION_DAG
        )
        self.check_tasks(PROVISION_DAG)
        self.provision_full()

        refs = sorted(self.emulator_state()["projects"])
        self.env[f"AIRFLOW_VAR_{ROTATION_PROJECTS_VARIABLE.upper()}"] = json.dumps(refs)
        self.run(f"airflow dags test {ROTATION_DAG}", "dags", "test", ROTATION_DAG, log_name=ROTATION_DAG)
        report = self.check_tasks(ROTATION_DAG)

        print_summary(self.url, self.emulator_state(), report, types_path)
        self.rotate_credentials()
        print(f"\nDemo finished in {time.monotonic() - started:.1f}s.")
        if self.failed_tasks:
            print(f"FAILED tasks: {', '.join(self.failed_tasks)} (logs in {self.home})")
            return 1
        return 0

    def provision_full(self) -> None:
        """Provision a second project all the way, then show the schema its migrations made, as the DAG's
        RunQueryOperator read it back (its XCom)."""
        conf = json.dumps({"custom_hostname": "api.acme-app.example.com"})
        self.run(
            f"airflow dags test {FULL_PROVISION_DAG}",
            *("dags", "test", FULL_PROVISION_DAG, "-c", conf),
            log_name=FULL_PROVISION_DAG,
        )
        self.check_tasks(FULL_PROVISION_DAG)
        db = self.home / "airflow.db"
        migrations = task_result(db, FULL_PROVISION_DAG, "apply_migrations") or {}
        print(f"  Migrations applied: {', '.join(migrations.get('applied') or []) or '(none)'}")
        tables = task_result(db, FULL_PROVISION_DAG, "read_back_tables")
        if not tables:
            print("  ! no tables were read back")
            self.failed_tasks.append(f"{FULL_PROVISION_DAG}.read_back_tables (no tables)")
            return
        print("  Tables in schema public (read back with RunQueryOperator):")
        for table in tables:
            print(f"    {table['table_name']}: {table['columns']}")
        keys = task_result(db, FULL_PROVISION_DAG, "export_api_keys") or {}
        print(f"  Publishable keys to XCom: {', '.join(sorted(keys.get('publishable') or {})) or '(none)'}")
        print(f"  Secret keys to Variables: {', '.join(keys.get('variables') or []) or '(none)'}")

    # ------------------------------------------------------------------ credentials rotation

    def rotate_credentials(self) -> None:
        """Run supabase_rotate_credentials twice on the first project: show the step each run took, and that no
        key in use was deleted on the way."""
        ref = sorted(self.emulator_state()["projects"])[0]
        self.env[f"AIRFLOW_VAR_{CREDENTIALS_PROJECT_VARIABLE.upper()}"] = ref
        # The password sink writes this Variable; one set in the environment could not be overwritten.
        self.env.pop("AIRFLOW_VAR_SUPABASE_DB_PASSWORD", None)
        print(f"\nRotating the credentials of project {ref} ({CREDENTIALS_DAG}, run twice):")
        in_use: list[tuple[str, str]] = []  # (kind, id) of every key in use before a run
        for number, password in ((1, "now"), (2, "skip")):
            state = self.emulator_state()["projects"][ref]
            in_use += [("signing key", k["id"]) for k in state["signing_keys"] if k["status"] == "in_use"]
            in_use += [("API key", k["id"]) for k in state["api_keys"] if k["name"].startswith(CREDENTIALS_KEY_PREFIX)]
            conf = json.dumps({"database_password": password})
            self.run(
                f"airflow dags test {CREDENTIALS_DAG} (run {number})",
                *("dags", "test", CREDENTIALS_DAG, "-c", conf),
                log_name=f"{CREDENTIALS_DAG}-{number}",
            )
            states, _ = run_result(self.home / "airflow.db", CREDENTIALS_DAG)
            steps = credentials_steps(self.home / "airflow.db")
            for task, state_name in sorted(states.items()):
                if state_name not in ("success", "skipped"):
                    print(f"  ! {task}: {state_name}")
                    self.failed_tasks.append(f"{CREDENTIALS_DAG}.{task}")
            password_step = steps.get("rotate_database_password", "not due")
            print(
                f"  Run {number}: API key {steps.get('rotate_api_key', '?')}, signing keys "
                f"{steps.get('signing_key_step', '?')}, database password {password_step}"
            )
        after = self.emulator_state()["projects"][ref]
        present = {k["id"] for k in after["signing_keys"]} | {k["id"] for k in after["api_keys"]}
        deleted = [f"{kind} {key_id}" for kind, key_id in in_use if key_id not in present]
        if deleted:
            print(f"  ! keys in use were deleted: {', '.join(deleted)}")
            self.failed_tasks.append(f"{CREDENTIALS_DAG} (deleted a key in use)")
        else:
            print(f"  No key in use was deleted ({len(set(in_use))} checked).")


def credentials_steps(db_path: Path) -> dict[str, str]:
    """The ``step`` each rotation task of the latest supabase_rotate_credentials run reported in its XCom."""
    results = {task: task_result(db_path, CREDENTIALS_DAG, task) for task in CREDENTIALS_TASKS}
    return {
        task: str(result["step"]) for task, result in results.items() if isinstance(result, dict) and "step" in result
    }


def print_summary(url: str, state: dict[str, Any], report: Any, types_path: Path) -> None:
    print(f"\nWhat now exists on the emulator ({url}):")
    organizations = state["organizations"]
    for ref, project in sorted(state["projects"].items()):
        org = organizations.get(project["organization_slug"], {})
        print(f"  Project    {project['name']} (ref {ref}) in organization {org.get('name', '?')}")
        print(f"             {project['region']}, {project['status']}")
        network = (state["network_restrictions"].get(ref) or {}).get("config") or {}
        print(
            "  Network    Postgres reachable from "
            f"{', '.join(network.get('dbAllowedCidrs') or []) or 'nowhere'} (IPv4), "
            f"{', '.join(network.get('dbAllowedCidrsV6') or []) or 'nowhere'} (IPv6)"
        )
        names = sorted(state["secrets"].get(ref) or {})
        print(f"  Secrets    {', '.join(names) or '(none)'}")
        if isinstance(report, dict) and ref in report:
            changed = "; ".join(f"{action} {', '.join(names)}" for action, names in report[ref].items())
            print(f"             rotation: {changed or 'nothing changed'}")
        for slug, function in sorted((state["functions"].get(ref) or {}).items()):
            jwt = "JWT required" if function.get("verify_jwt") else "public"
            print(f"  Function   {slug} v{function['version']} ({function['status']}, {jwt})")
        hostname = state["hostnames"].get(ref) or {}
        active = " (active)" if hostname.get("status") == "5_services_reconfigured" else ""
        print(f"  Hostname   {hostname.get('custom_hostname') or '(none)'}: {hostname.get('status')}{active}")
    if types_path.is_file():
        lines = types_path.read_text().splitlines()
        print(f"  Types      {len(lines)} lines of TypeScript, starting: {lines[0] if lines else ''}")


def main() -> int:
    demo = Demo()

    def on_sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    keep_home = True
    try:
        code = demo.main()
        keep_home = code != 0
        return code
    except DemoFailed as err:
        print(f"\nDemo FAILED: {err}")
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; stopping the emulator.")
        return 130
    finally:
        demo.stop()
        if keep_home:
            print(f"Logs kept in {demo.home}")
        else:
            shutil.rmtree(demo.home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
