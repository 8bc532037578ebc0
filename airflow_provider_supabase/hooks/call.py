"""The one call loop of every Management API call, written once as a step generator.

``call_steps`` yields ``Send(request)`` and ``Sleep(seconds)`` and is told each outcome; the sync hook drives it
with requests and ``time.sleep``, the async hook with httpx and ``asyncio.sleep`` (``steps.drive`` /
``steps.adrive``). Everything between an endpoint method and the wire lives here: the tenacity retry policy,
the rate-limit gate, the recovery of an uncertain create, and plans of several requests.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import tenacity

from airflow_provider_supabase.exceptions import SupabaseApiError
from airflow_provider_supabase.hooks.connection import ClientSettings
from airflow_provider_supabase.hooks.ratelimit import RATE_LIMIT_GATE, GateKey
from airflow_provider_supabase.hooks.request import Request, Response, error, interpret
from airflow_provider_supabase.hooks.retry import RetryPolicy


@dataclass(frozen=True)
class Send:
    """Send this request once and hand back its ``Response`` (or raise a transport ``SupabaseApiError``)."""

    request: Request


@dataclass(frozen=True)
class Sleep:
    seconds: float


Action = Send | Sleep
CallSteps = Generator[Action, Any, Any]
# An endpoint that needs more than one request yields each ``Request`` and is sent its result.
Plan = Generator[Request, Any, Any]


class Attempts:
    """What one call remembers across its retries: whether an earlier attempt may have taken effect.

    After such an uncertain failure, a request with a ``Recovery`` first looks for what it created, and a
    DELETE that now answers 404 is done (the uncertain attempt deleted it). A create that timed out is
    never sent again in the same call: the server may still be working on it, so the call only keeps
    looking, and in the end fails; a task retry then adopts the resource once it exists.
    """

    def __init__(self, request: Request, timeout: float) -> None:
        self.request = request
        self.timeout = timeout
        self.uncertain = False
        self.settle = 0.0
        self.may_resend = True

    def lookup(self) -> Request | None:
        """What to look at before another attempt, once an earlier one may have taken effect."""
        recovery = self.request.recovery
        if recovery is None or not self.uncertain:
            return None
        return Request("GET", recovery.path, recovery.path, params=recovery.params)

    def settle_seconds(self) -> float:
        """After a timeout the server may still be working on the request: give it as long again
        before looking for the result, so the lookup does not miss a create that is still running."""
        settle, self.settle = self.settle, 0.0
        return settle

    def recovered(self, found: Any) -> Any:
        """The adopted resource (transformed like a normal result), or None when nothing was found."""
        assert self.request.recovery is not None
        recovery = self.request.recovery
        resource = recovery.pick(found, recovery.existed)
        if resource is not None and self.request.transform is not None:
            return self.request.transform(resource)
        return resource

    def check_may_send(self) -> None:
        """Refuse to send a timed-out create again (retryable, so the next attempt looks once more)."""
        if self.may_resend:
            return
        raise error(
            self.request,
            "the request timed out and may still complete on the server; it is not sent again, to avoid a "
            "duplicate (a task retry adopts the resource once it exists)",
            None,
            retryable=True,
            uncertain=True,
        )

    def failed(self, err: SupabaseApiError) -> bool:
        """Record a failed attempt; True when it in fact means success."""
        if self.uncertain and self.request.method == "DELETE" and err.status_code == 404:
            return True
        self.uncertain = self.uncertain or err.uncertain
        if err.timed_out and self.request.recovery is not None and not self.request.idempotent:
            self.settle = self.timeout
            self.may_resend = False
        return False


class Call:
    """The steps of calls made with one connection's settings, retry policy and logger."""

    def __init__(self, settings: ClientSettings, policy: RetryPolicy, log: Any) -> None:
        self.settings = settings
        self.policy = policy
        self.log = log

    def steps(self, plan: Request | Plan) -> CallSteps:
        """Carry out one request, or a plan of several, each with its own retries."""
        if isinstance(plan, Request):
            return (yield from self._retried(plan))
        result: Any = None
        try:
            request = next(plan)
            while True:
                try:
                    result = yield from self._retried(request)
                except SupabaseApiError as err:
                    request = plan.throw(err)
                else:
                    request = plan.send(result)
        except StopIteration as stop:
            return stop.value

    def _retried(self, request: Request) -> CallSteps:
        attempts = Attempts(request, self.settings.timeout)
        started = time.monotonic()
        try:
            # Most calls succeed at once: they need none of tenacity's per-call objects (about a third of the
            # hook's own cost per call, bench/README.md), so tenacity takes over only after a failure.
            return (yield from self._attempt(attempts))
        except Exception:
            first_failure = sys.exc_info()
        # tenacity decides (stop, wait, retry, the retry log); the drivers do the sleeping, so this loop is the
        # same for requests and httpx. It is tenacity's own ``Retrying.__iter__``, with the sleep handed out and
        # the first attempt's outcome handed in.
        retrying = self.policy.retrying(self.log)
        retrying.begin()
        state = tenacity.RetryCallState(retrying, fn=None, args=(), kwargs={})
        state.start_time = started  # the rate-limit budget counts from the first attempt
        state.set_exception(first_failure)  # type: ignore[arg-type]
        while True:
            do = retrying.iter(state)
            if isinstance(do, tenacity.DoAttempt):
                try:
                    result = yield from self._attempt(attempts)
                except Exception:
                    state.set_exception(sys.exc_info())  # type: ignore[arg-type]
                else:
                    state.set_result(result)
            elif isinstance(do, tenacity.DoSleep):
                state.prepare_for_next_attempt()
                yield Sleep(float(do))
            else:
                return do

    def _attempt(self, attempts: Attempts) -> CallSteps:
        lookup = attempts.lookup()
        if lookup is not None:
            adopted = yield from self._look_for_result(attempts, lookup)
            if adopted is not None:
                return adopted
        attempts.check_may_send()
        try:
            return (yield from self._send(attempts.request))
        except SupabaseApiError as err:
            if attempts.failed(err):
                return None
            raise

    def _look_for_result(self, attempts: Attempts, lookup: Request) -> CallSteps:
        settle = attempts.settle_seconds()
        if settle > 0:
            yield Sleep(settle)
        try:
            found = yield from self._send(lookup)
        except SupabaseApiError as err:
            recovery = attempts.request.recovery
            if recovery is None or err.status_code not in recovery.absent:
                raise
            found = None
        adopted = attempts.recovered(found)
        if adopted is not None:
            request = attempts.request
            self.log.info(
                "%s %s had taken effect before the connection failed; adopting the existing resource "
                "instead of sending it again",
                request.method,
                request.path,
            )
        return adopted

    def _send(self, request: Request) -> CallSteps:
        key: GateKey = (f"{self.settings.base_url}#{self.settings.token_id}", request.method, request.template)
        wait = min(RATE_LIMIT_GATE.delay(key), self.settings.retry_max_wait)
        if wait > 0:
            yield Sleep(wait)
        response: Response = yield Send(request)
        RATE_LIMIT_GATE.observe(key, response.status, response.headers)
        return interpret(request, response)
