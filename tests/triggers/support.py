"""What the trigger tests share: run a trigger to its end, and rebuild one from what it serializes."""

from __future__ import annotations

import asyncio
from typing import Any


def events_of(trigger: Any) -> list[dict]:
    """Every event payload the trigger yields, running it on a fresh event loop."""

    async def collect():
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def rebuilt(trigger: Any) -> Any:
    """The trigger the triggerer would build from ``trigger.serialize()``."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)(**kwargs)
