"""Drivers for step generators: logic written once as a generator that yields what to do next (send a request,
sleep, call a hook method) and is told the outcome; a sync driver and an async driver carry the actions out.

The hook's call loop (``hooks.call``) and the waits' checks (``waits.checks``) are written this way, so only the
code that touches the network exists twice: once for requests and once for httpx.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")

Steps = Generator[A, Any, R]


class Stepper(Generic[A, R]):
    """Advances a step generator with each action's outcome and keeps its result (or error) when it ends."""

    def __init__(self, steps: Steps[A, R]) -> None:
        self._steps = steps
        self._error: BaseException | None = None
        self._result: Any = None
        self.running = True
        self.action: A
        self._advance(steps.send, None)

    def _advance(self, method: Callable[[Any], A], argument: Any) -> None:
        try:
            self.action = method(argument)
        except StopIteration as stop:
            self.running, self._result = False, stop.value
        except Exception as exc:  # the generator gave up: the driver re-raises it once the loop ends
            self.running, self._error = False, exc

    def settle(self, perform: Callable[[A], Any]) -> None:
        """Carry out the current action and hand its value, or its exception, back to the generator."""
        try:
            value = perform(self.action)
        except Exception as exc:
            return self._advance(self._steps.throw, exc)
        self._advance(self._steps.send, value)

    async def asettle(self, perform: Callable[[A], Awaitable[Any]]) -> None:
        try:
            value = await perform(self.action)
        except Exception as exc:
            return self._advance(self._steps.throw, exc)
        self._advance(self._steps.send, value)

    def outcome(self) -> R:
        if self._error is not None:
            # Raised from here, the traceback still shows where the generator raised it.
            raise self._error
        return self._result


def drive(steps: Steps[A, R], perform: Callable[[A], Any]) -> R:
    """Run ``steps`` to the end, carrying out each action with ``perform``."""
    stepper = Stepper(steps)
    while stepper.running:
        stepper.settle(perform)
    return stepper.outcome()


async def adrive(steps: Steps[A, R], perform: Callable[[A], Awaitable[Any]]) -> R:
    """Run ``steps`` to the end on the event loop, awaiting each action's ``perform``."""
    stepper = Stepper(steps)
    while stepper.running:
        await stepper.asettle(perform)
    return stepper.outcome()
