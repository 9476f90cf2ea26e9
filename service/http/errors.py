"""Every error the service answers, in one shape: `ErrorBody {code, message, field}`, and the handlers that send it.

Code that refuses a request raises `ApiError` (routes, dependencies) or, in pure ASGI middleware that
runs outside FastAPI's handlers, sends one with `send_error`. Either way the error code is added to the
request's access-log line. Nothing here imports the app, so the app, the guards and the routes can all
import it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from service.http.access_log import add_log_fields
from service.logs import failure_fields

log = logging.getLogger("vademecum.service")


class ErrorBody(BaseModel):
    """Every error the service answers: a stable code, a readable message, and the field at fault."""

    code: str = Field(description="stable machine-readable code, e.g. `invalid_request`, `too_large`")
    message: str
    field: str | None = Field(description="dotted path of the request field at fault, when there is one")


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorBody, "description": description}


# Documented on every operation (FastAPI `responses`); a route's own entry for a status replaces these.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _error("the body could not be read (not UTF-8, nested too deep)"),
    404: _error("no such resource"),
    413: _error("the body is larger than the configured limit"),
    415: _error("the body is not sent as application/json"),
    422: _error("a field is missing, unknown, of the wrong type or out of range"),
}

# Starlette's own HTTP errors (unknown route, wrong method...) get these codes.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    503: "not_ready",
}
_VALIDATION_CODES = {"json_invalid": "invalid_json", "extra_forbidden": "unknown_field", "missing": "missing_field"}


class ApiError(Exception):
    """A request refused with `status` and the body `ErrorBody(code, message, field)`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = dict(headers) if headers else None

    @property
    def body(self) -> ErrorBody:
        return ErrorBody(code=self.code, message=self.message, field=self.field)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body.model_dump(), status_code=self.status, headers=self.headers)


async def send_error(error: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer `error` straight from ASGI middleware, and note its code for the access log."""
    add_log_fields(scope, error=error.code)
    await error.response()(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error leave as an `ErrorBody`: ours, FastAPI's validation errors, Starlette's, and the unexpected."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ApiError):  # registered for ApiError only
        raise exc
    add_log_fields(request.scope, error=exc.code)
    return exc.response()


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for RequestValidationError only
        raise exc
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    kind = str(first.get("type", ""))
    error = ApiError(422, _VALIDATION_CODES.get(kind, "invalid_request"), str(first.get("msg", "invalid request")))
    if kind == "extra_forbidden" and location:
        error.message = f"unknown field {location[-1]!r}"
    error.field = ".".join(location) or None
    if _sent_as_other_than_json(request, first):
        error.status, error.code, error.message = 415, "unsupported_media_type", "send the body as application/json"
    add_log_fields(request.scope, error=error.code)
    return error.response()


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # registered for StarletteHTTPException only
        raise exc
    error = ApiError(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail))
    error.headers = dict(exc.headers) if exc.headers else None
    add_log_fields(request.scope, error=error.code)
    return error.response()


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", extra={"fields": {"route": request.url.path, **failure_fields(exc)}})
    return ApiError(500, "internal_error", "the request could not be completed").response()


def _sent_as_other_than_json(request: Request, error: Any) -> bool:
    """FastAPI hands a body that is not declared JSON (text/plain, a form, no type) to validation as
    raw bytes; the whole body then fails as one value. That is a media-type mistake, not a bad field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_json = content_type == "application/json" or content_type.endswith("+json")
    return not is_json and tuple(error.get("loc", ())) == ("body",) and error.get("type") != "missing"
