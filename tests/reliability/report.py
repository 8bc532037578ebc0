"""Run the reliability suite and print its figures as Markdown: ``python -m tests.reliability.report``.

``--write`` also puts them into RELIABILITY.md, between the ``figures`` markers. Every number comes from the run:
test outcomes, and the figures each test attaches to its report (``_support.record``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SUITE = Path(__file__).resolve().parent
DOCUMENT = REPO / "RELIABILITY.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"

SECTIONS = {
    "test_fault_matrix": "1. Fault matrix: hook calls",
    "test_operator_faults": "1. Fault matrix: operators in DAG runs",
    "test_retried_creates": "2. Retried creates",
    "test_bad_inputs": "3. Bad inputs",
    "test_leak_canaries": "4. Leak canaries",
    "test_transport_security": "5. Transport security",
}


@dataclass
class Case:
    section: str
    test: str
    outcome: str  # passed, failed, xfailed (a known bug, kept as a strict xfail), skipped
    properties: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


class Collector:
    """A pytest plugin that keeps one ``Case`` per test from the reports of its phases."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        module = Path(report.location[0]).stem
        if module not in SECTIONS:
            return
        if report.when == "call" or report.outcome != "passed":
            # A strict xfail that passes is reported as failed, with ``wasxfail`` set.
            outcome = ("xfailed" if report.skipped else "failed") if hasattr(report, "wasxfail") else report.outcome
            case = self.cases.get(report.nodeid)
            if case is not None and case.outcome != "passed":
                return  # keep the first failure (e.g. the call, not a teardown after it)
            self.cases[report.nodeid] = Case(
                SECTIONS[module],
                report.location[2].split("[")[0],
                outcome,
                dict(report.user_properties),
                getattr(report, "wasxfail", ""),
            )


def _count(cases: list[Case], outcome: str) -> int:
    return sum(1 for c in cases if c.outcome == outcome)


def _sum(cases: list[Case], name: str, outcome: str | None = None) -> int:
    return sum(int(c.properties.get(name, 0)) for c in cases if outcome is None or c.outcome == outcome)


def render(cases: list[Case], seconds: float) -> str:
    by_section: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_section[case.section].append(case)
    matrix = by_section[SECTIONS["test_fault_matrix"]]
    operators = by_section[SECTIONS["test_operator_faults"]]
    survived = [c for c in matrix + operators if c.properties.get("outcome") == "survived"]
    clear = [c for c in matrix if c.properties.get("outcome") == "failed clearly"]
    not_resent = [c for c in matrix if c.properties.get("outcome") == "uncertain, not resent"]
    refused = [c for c in cases if "refused" in c.properties]
    leak_cases = [c for c in cases if "leaks" in c.properties]

    lines = [
        f"Measured by `python -m tests.reliability.report` on {time.strftime('%Y-%m-%d')} (Python "
        f"{platform.python_version()}, {seconds:.0f} s for the whole suite).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| cases run | {len(cases)} |",
        f"| cases passed | {_count(cases, 'passed')} |",
        f"| known bugs kept as strict xfail | {_count(cases, 'xfailed')} |",
        f"| cases failed | {_count(cases, 'failed')} |",
        f"| single faults survived (hook calls + operator runs) | {_count(survived, 'passed')} of {len(survived)} |",
        f"| outages that failed with a clear `SupabaseApiError`, state untouched | {_count(clear, 'passed')} of "
        f"{len(clear)} |",
        "| uncertain faults on SQL that writes without an Idempotency-Key: failed as `uncertain`, sent once, "
        f"run at most once | {_count(not_resent, 'passed')} of {len(not_resent)} |",
        f"| bad inputs refused naming the field, 0 requests sent | {_count(refused, 'passed')} of {len(refused)} |",
        f"| places searched for canaries (DAG runs) | {_sum(leak_cases, 'places')} |",
        f"| leaks found | {_sum(leak_cases, 'leaks')} |",
        "",
        "| section | cases | passed | known bugs (xfail) | failed |",
        "|---|---|---|---|---|",
    ]
    for section in dict.fromkeys(SECTIONS.values()):
        group = by_section.get(section, [])
        lines.append(
            f"| {section} | {len(group)} | {_count(group, 'passed')} | {_count(group, 'xfailed')} | "
            f"{_count(group, 'failed')} |"
        )

    kinds = list(dict.fromkeys(c.properties["kind"] for c in matrix if "kind" in c.properties))
    faults = list(dict.fromkeys(c.properties["fault"] for c in matrix if "fault" in c.properties))
    if kinds and faults:
        lines += [
            "",
            "Fault matrix, hook calls (sync and async hook): passed / cases per endpoint kind and fault.",
            "",
            "| endpoint kind | " + " | ".join(faults) + " |",
            "|---|" + "---|" * len(faults),
        ]
        for kind in kinds:
            cells = []
            for fault in faults:
                group = [c for c in matrix if c.properties.get("kind") == kind and c.properties.get("fault") == fault]
                cells.append(f"{_count(group, 'passed')}/{len(group)}" if group else "-")
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")

    problems = [c for c in cases if c.outcome in ("xfailed", "failed")]
    if problems:
        lines += ["", "Cases that do not pass:", ""]
        seen: set[tuple[str, str]] = set()
        for case in problems:
            key = (case.test, case.outcome)
            if key in seen:
                continue
            seen.add(key)
            count = sum(1 for c in problems if (c.test, c.outcome) == key)
            why = case.reason.removeprefix("reason: ") or "see the test output"
            lines.append(f"- `{case.test}` ({count} case{'s' if count > 1 else ''}, {case.outcome}): {why}")
    return "\n".join(lines)


def write(figures: str) -> None:
    text = DOCUMENT.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOCUMENT.write_text(f"{head}{START}\n{figures}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="also update the figures in RELIABILITY.md")
    args, pytest_args = parser.parse_known_args(argv)
    collector = Collector()
    started = time.monotonic()
    code = pytest.main([str(SUITE), "-q", "-p", "no:cacheprovider", *pytest_args], plugins=[collector])
    figures = render(list(collector.cases.values()), time.monotonic() - started)
    print(figures)
    if args.write:
        write(figures)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
