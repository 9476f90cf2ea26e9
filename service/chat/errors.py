"""OpenAI's error shape for the OpenAI-compatible routes: `{"error": {message, type, param, code}}`.

The service's own errors are `{code, message, field}`, written by the guards (rate limit 429, overload 503,
timeout 504), the body limit (413) and the validation handler (422). Those stay where they are, shared by
every route; `OpenAIErrorMiddleware` rewrites an error response of an OpenAI route into OpenAI's shape on
its way out, so an OpenAI client raises the exception it knows (BadRequestError, RateLimitError...) with
the message and code the service wrote. A field that fails validation is a 400 for OpenAI clients, not a 422.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.chat.conversation import ChatInputError

OPENAI_ROUTES = ("/v1/chat/completions", "/v1/models")

# OpenAI's `type` by status; its codes are kept as the service writes them, except where OpenAI names one.
_TYPES = {401: "authentication_error", 403: "permission_error", 429: "requests"}
_CODES = {"rate_limited": "rate_limit_exceeded"}


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(description="`invalid_request_error`, `requests` (rate limit) or `server_error`")
    param: str | None = Field(description="the request field at fault, when there is one")
    code: str | None = Field(description="stable machine-readable code, e.g. `model_not_found`")


class OpenAIErrorBody(BaseModel):
    """Every error of the OpenAI-compatible routes, in OpenAI's shape."""

    error: OpenAIErrorDetail


def _documented(description: str) -> dict[str, object]:
    return {"model": OpenAIErrorBody, "description": description}


# The OpenAI routes' errors, documented on their router (replacing the app's `{code, message, field}` entries).
OPENAI_ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _documented("invalid body, no user message, question too long (`context_length_exceeded`)"),
    404: _documented("unknown model (`model_not_found`) or no such resource"),
    413: _documented("the body is larger than the configured limit"),
    415: _documented("the body is not sent as application/json"),
    422: _documented("not sent by these routes: a field that fails validation is a 400"),
    429: _documented("rate limited (`rate_limit_exceeded`, with Retry-After)"),
    503: _documented("overloaded or index not ready"),
}


def openai_error(status: int, message: str, code: str | None, param: str | None = None) -> dict[str, Any]:
    kind = _TYPES.get(status) or ("server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": _CODES.get(code or "", code)}}


def input_error_body(error: ChatInputError) -> dict[str, Any]:
    return openai_error(error.status, error.message, error.code, error.param)


class OpenAIErrorMiddleware:
    """Rewrite `{code, message, field}` error responses of the OpenAI routes into OpenAI's shape.

    Only responses with status 400 and above on `paths` are buffered (an error body is small); every other
    response, streams included, passes through untouched.
    """

    def __init__(self, app: ASGIApp, paths: tuple[str, ...] = OPENAI_ROUTES) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not any(path == p or path.startswith(p + "/") for p in self.paths):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = b""

        async def rewriting_send(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start" and int(message["status"]) >= 400:
                start = message
                return
            if start is None:
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body", False):
                return
            status, rewritten = _rewritten(int(start["status"]), body)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(rewritten)).encode("ascii")))
            await send({**start, "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": rewritten})

        await self.app(scope, receive, rewriting_send)


def _rewritten(status: int, body: bytes) -> tuple[int, bytes]:
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if not isinstance(error, dict) or "error" in error or "message" not in error:
        return status, body  # already OpenAI's shape, or not an error this service wrote
    if status == 422:
        status = 400
    shaped = openai_error(status, str(error["message"]), error.get("code"), error.get("field"))
    return status, json.dumps(shaped).encode("utf-8")
