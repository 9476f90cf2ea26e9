"""Operational guards, as pure ASGI middleware: per-client rate limit, a bound on concurrent answers,
a request timeout, and the drain on SIGTERM.

Pure ASGI (like `service.http.access_log.ObserveMiddleware`): no task or queue per request, and refusals are
written straight to `send`, so a refused request costs microseconds. The order, outermost first:
drain counter, rate limit, concurrency bound, timeout. The timeout sits inside the bound: a request
that timed out keeps its slot until its worker thread has really finished, so timeouts cannot pile up
unbounded work behind the 504s.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.settings import Settings
from service.http.errors import ApiError, send_error
from service.logs import failure_fields

log = logging.getLogger("vademecum.service")

Clock = Callable[[], float]
# Probes must answer whatever the load: an orchestrator that cannot read them restarts a busy process.
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
# The routes that do the expensive work (embedding, retrieval, composition).
ANSWER_ROUTES = ("/v1/followups", "/v1/chat/completions", "/v1/ai-sdk/chat")


def install_guards(app: FastAPI, settings: Settings) -> None:
    """Add the guards to `app` (call before the observing middleware, so refusals are logged and counted)."""
    service = settings.service
    app.state.drain = Drain(app.state.metrics.registry)
    app.add_middleware(TimeoutMiddleware, timeout_s=service.request_timeout_s)
    app.add_middleware(ConcurrencyLimitMiddleware, limit=service.max_concurrent)
    app.add_middleware(RateLimitMiddleware, per_second=service.rate_limit_per_second, burst=service.rate_limit_burst)
    app.add_middleware(DrainMiddleware, drain=app.state.drain, grace_s=service.shutdown_grace_s)


async def refuse(send: Send, scope: Scope, status: int, code: str, message: str, retry_after: int | None) -> None:
    """Send the JSON error `ErrorBody(code, message)` with an optional `Retry-After` (whole seconds)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    await send_error(ApiError(status, code, message, headers=headers), scope, _no_receive, send)


async def _no_receive() -> Message:  # a refusal never reads the request body
    return {"type": "http.disconnect"}


def _guarded(scope: Scope, paths: tuple[str, ...]) -> bool:
    path: str = scope.get("path", "")
    return scope["type"] == "http" and any(path == p or path.startswith(p + "/") for p in paths)


# --- rate limit ----------------------------------------------------------------------------------------


@dataclass
class _Bucket:
    tokens: float
    seen: float


class TokenBuckets:
    """One token bucket per client key, refilled at `per_second` up to `burst`.

    Memory is bounded: a bucket left alone for burst / per_second seconds is full again, exactly
    like a new one, so it is dropped without changing any decision. Buckets are kept in order of
    last use, so the idle ones are at the front and each request drops at most a few. Beyond
    `max_keys` clients (many addresses at once) the least recently seen buckets go first.
    """

    def __init__(self, per_second: float, burst: int, clock: Clock = time.monotonic, max_keys: int = 100_000) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self.idle_s = burst / per_second
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take a token for `key`: 0.0 when granted, else the seconds until one is available."""
        now = self.clock()
        self._evict(now)
        bucket = self._buckets.pop(key, None) or _Bucket(tokens=float(self.burst), seen=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.seen) * self.per_second)
        bucket.seen = now
        self._buckets[key] = bucket  # now the most recently used
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.per_second

    def _evict(self, now: float) -> None:
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if now - oldest.seen < self.idle_s and len(self._buckets) < self.max_keys:
                return
            del self._buckets[key]


class RateLimitMiddleware:
    """429 `rate_limited` with `Retry-After` for a client beyond its token bucket; probes are exempt.

    The client is the peer address: X-Forwarded-For is not trusted, as any client could set it.
    `per_second` 0 disables the limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        per_second: float,
        burst: int,
        clock: Clock = time.monotonic,
        exempt: frozenset[str] = PROBES,
        max_clients: int = 100_000,
    ) -> None:
        self.app = app
        self.exempt = exempt
        self.buckets = TokenBuckets(per_second, burst, clock, max_clients) if per_second > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.buckets.take(client[0] if client else "unknown")
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            await refuse(send, scope, 429, "rate_limited", f"too many requests; retry in {seconds} s", seconds)
            return
        await self.app(scope, receive, send)


# --- concurrency bound and timeout ---------------------------------------------------------------------


class ConcurrencyLimitMiddleware:
    """At most `limit` answer requests in flight; beyond it, 503 `overloaded` at once.

    Refusing at once, rather than queueing, keeps latency bounded under overload: a queue in front
    of a saturated server only grows until every request in it times out.
    """

    def __init__(
        self, app: ASGIApp, limit: int, paths: tuple[str, ...] = ANSWER_ROUTES, retry_after_s: int = 1
    ) -> None:
        self.app = app
        self.limit = limit
        self.paths = paths
        self.retry_after_s = retry_after_s
        # Only touched from the event loop thread, so a plain counter is safe.
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope, self.paths):
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            message = f"the server is answering {self.limit} requests already; retry shortly"
            await refuse(send, scope, 503, "overloaded", message, self.retry_after_s)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


class TimeoutMiddleware:
    """504 `timeout` when an answer request has not started its response within `timeout_s`.

    The work is not cancelled (a worker thread cannot be stopped); its late response is discarded,
    and this call returns only when the work has ended, so the concurrency bound around it still
    counts the request. A stream that has started is not cut: its status line has been sent.
    """

    def __init__(self, app: ASGIApp, timeout_s: float, paths: tuple[str, ...] = ANSWER_ROUTES) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope, self.paths):
            await self.app(scope, receive, send)
            return
        started = False
        discarded = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if discarded:
                return
            started = True
            await send(message)

        work = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        try:
            done, _ = await asyncio.wait({work}, timeout=self.timeout_s)
        except asyncio.CancelledError:  # the server is stopping this request: stop its work too
            work.cancel()
            raise
        if done or started:
            await work
            return
        discarded = True
        message = f"the answer took longer than {self.timeout_s:g} s"
        await refuse(send, scope, 504, "timeout", message, None)
        try:
            await work
        except Exception as error:  # noqa: BLE001 (logged without its message) - the client has its 504; the late failure is only logged
            log.warning("timed-out request failed afterwards", extra={"fields": failure_fields(error)})


# --- drain on SIGTERM ----------------------------------------------------------------------------------


class Drain:
    """Shutdown state: the readiness probe reads `draining`, the drain middleware counts requests in flight.

    On SIGTERM (`watch_sigterm`), readiness turns false at once while the server keeps accepting, so
    a load balancer sees the probe fail and moves traffic away; when no request is in flight (or
    after `grace_s`) the signal is handed to uvicorn, which stops accepting, waits up to its own
    graceful timeout for the remaining requests and exits.
    """

    def __init__(self, registry: CollectorRegistry | None = None, clock: Clock = time.monotonic) -> None:
        self.draining = False
        self.in_flight = 0
        self.clock = clock
        self._handover: asyncio.Task[None] | None = None
        if registry is not None:
            gauge = Gauge(
                "vademecum_http_requests_in_flight", "HTTP requests in flight (probes excluded)", registry=registry
            )
            gauge.set_function(lambda: self.in_flight)

    def watch_sigterm(self, grace_s: float) -> None:
        """Chain a drain in front of the current SIGTERM handler (uvicorn's). Main thread only; else a no-op."""
        if threading.current_thread() is not threading.main_thread():
            return  # e.g. the TestClient's portal thread: signals cannot be handled there
        loop = asyncio.get_running_loop()
        previous = signal.getsignal(signal.SIGTERM)

        def hand_over(signum: int, frame: FrameType | None) -> None:
            if callable(previous):
                previous(signum, frame)
            else:  # no handler to chain to: let the default action happen
                signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
                signal.raise_signal(signum)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if self.draining:  # a second SIGTERM: stop draining, shut down now
                hand_over(signum, frame)
                return
            self.draining = True
            log.info("SIGTERM: draining", extra={"fields": {"in_flight": self.in_flight, "grace_s": grace_s}})
            loop.call_soon_threadsafe(self._start_handover, grace_s, lambda: hand_over(signum, frame))

        signal.signal(signal.SIGTERM, on_sigterm)

    def _start_handover(self, grace_s: float, hand_over: Callable[[], None]) -> None:
        self._handover = asyncio.get_running_loop().create_task(self._wait_then(grace_s, hand_over))

    async def _wait_then(self, grace_s: float, hand_over: Callable[[], None]) -> None:
        deadline = self.clock() + grace_s
        while self.in_flight and self.clock() < deadline:
            await asyncio.sleep(0.02)
        hand_over()


class DrainMiddleware:
    """Count the requests in flight (probes excluded), and start watching SIGTERM when the app starts.

    The watch starts with the lifespan startup: uvicorn has installed its own handlers by then, and
    the drain chains in front of them.
    """

    def __init__(self, app: ASGIApp, drain: Drain, grace_s: float, exempt: frozenset[str] = PROBES) -> None:
        self.app = app
        self.drain = drain
        self.grace_s = grace_s
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._watching(receive), send)
            return
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        self.drain.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.drain.in_flight -= 1

    def _watching(self, receive: Receive) -> Receive:
        async def watching_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.drain.watch_sigterm(self.grace_s)
            return message

        return watching_receive
