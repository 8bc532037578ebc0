"""Branch waits that do not depend on timing: new branches stay starting until a wait has looked at them once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

ACTIONS = "/v1/projects/{ref}/actions"


@contextmanager
def held_until_looked_at(emulator) -> Iterator[None]:
    """Branches created inside the block stay COMING_UP with every step CREATED until some client has listed a
    branch's action runs (the readiness check's second look), then start: the first check always finds the branch
    starting, however slowly the task started, and the test takes no longer than the wait needs."""
    emulator.hold_branches()
    stop = threading.Event()
    seen = len(emulator.requests)

    def release_after_a_look() -> None:
        while not stop.is_set():
            if any(r.template == ACTIONS and r.status == 200 for r in emulator.requests[seen:]):
                emulator.release_branches()
                return
            stop.wait(0.005)

    watcher = threading.Thread(target=release_after_a_look, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=5)
        emulator.release_branches()
