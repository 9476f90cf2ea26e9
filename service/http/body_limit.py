"""Refuse request bodies above `max_body_bytes` with a 413, before anything parses them.

Pure ASGI, so it sits in front of FastAPI's body reading. A declared `Content-Length` above the limit
is refused before a byte of the body is read. The declared length is not trusted either: the bytes
actually received are counted as they stream in, so a chunked body (no `Content-Length`) or one that
lies about its length is cut off as soon as it passes the limit, without being buffered whole.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import ApiError, send_error


class BodyTooLarge(Exception):
    """Raised into the app from `receive` so it stops reading; the middleware answers 413 instead."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(f"body above {self.max_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Whatever the app answers after its read was cut off (FastAPI turns it into a 400) is
            # replaced by our 413; a response already under way is left alone.
            if exceeded and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"the request body is larger than {self.max_bytes} bytes"
        # The unread rest of the body is still on the connection: close it rather than parse it.
        error = ApiError(413, "too_large", message, headers={"Connection": "close"})
        await send_error(error, scope, receive, send)


def _declared_length(scope: Scope) -> int | None:
    """The largest `Content-Length` declared, or None. An unparsable one counts as absent: the
    HTTP server rejects it, and the byte count still applies."""
    lengths = [int(value) for name, value in scope.get("headers", []) if name == b"content-length" and value.isdigit()]
    return max(lengths) if lengths else None
