"""The access log: one JSON line per HTTP request, written when its response is complete.

`ObserveMiddleware` gives each request an id, times and counts it, and writes its line. Whatever handles
the request adds to that line through `add_log_fields` (the route: the answer's status and ids; an error
handler or a guard: the error code), so the key the fields travel under in the ASGI scope is known here only.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.metrics import Metrics

ACCESS = logging.getLogger("vademecum.access")

# Where a request's access-log fields wait in its ASGI scope until the response is complete.
_FIELDS_KEY = "vademecum.log"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def add_log_fields(scope: Scope, /, **fields: Any) -> None:
    """Add `fields` to the access-log line of the request `scope` belongs to (nothing outside ObserveMiddleware).

    Positional-only `scope`: an answer's fields include one named "scope" (the scope check's verdict).
    """
    recorded = scope.get(_FIELDS_KEY)
    if recorded is not None:
        recorded.update(fields)


def log_request(**fields: Any) -> None:
    ACCESS.info("request", extra={"fields": fields})


class ObserveMiddleware:
    """Give each request an id, time it, count it, and write its one access-log line when it is complete.

    Pure ASGI rather than `BaseHTTPMiddleware`: it adds no task or queue per request, and it sees the
    end of a streamed response, so a stream is timed and logged when its last event has been sent.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        fields: dict[str, Any] = {}
        scope[_FIELDS_KEY] = fields
        scope.setdefault("state", {})["request_id"] = request_id
        status_code = 500
        finished = False

        async def observed_send(message: Message) -> None:
            nonlocal status_code, finished
            if message["type"] == "http.response.start":
                status_code = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False) and not finished:
                finished = True
                self._record(scope, request_id, status_code, started, fields)

        try:
            await self.app(scope, receive, observed_send)
        except BaseException:
            if not finished:
                finished = True
                self._record(scope, request_id, 500, started, fields)
            raise
        if not finished:  # the client went away before the body ended
            self._record(scope, request_id, status_code, started, {**fields, "incomplete": True})

    def _record(self, scope: Scope, request_id: str, status_code: int, started: float, fields: dict[str, Any]) -> None:
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        self.metrics.requests.labels(route, str(status_code)).inc()
        self.metrics.latency.labels(route).observe(elapsed)
        log_request(
            request_id=request_id,
            method=scope.get("method"),
            route=route,
            http_status=status_code,
            duration_ms=round(elapsed * 1000, 2),
            **fields,
        )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _REQUEST_ID.match(text) else None
    return None
