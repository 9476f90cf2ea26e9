"""The FastAPI application: built by `create_app`, with the index opened once in the lifespan.

Every error leaves as JSON `{code, message, field}`; no request can produce a stack trace.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.embedding import Embedder
from ingest.embedding.encoders import EncoderUnavailableError, serving_embedder
from ingest.layout import DataDir
from ingest.settings import Settings, get_settings
from service.api import admin, articles, followups, health
from service.body_limit import BodyLimitMiddleware
from service.composition import Composer
from service.guards import install_guards
from service.logs import configure_logging, failure_fields, log_request
from service.metrics import Metrics
from service.models import ERROR_RESPONSES
from service.reload import Reloader
from service.state import ServiceState

log = logging.getLogger("vademecum.service")

# What a route records for the access log; the middleware writes it when the response is complete.
LOG_FIELDS = "vademecum.log"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def create_app(
    settings: Settings | None = None, embedder: Embedder | None = None, composer: Composer | None = None
) -> FastAPI:
    """The app. `embedder` and `composer` replace the configured ones (tests, evaluation, a generative composer)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service.log_level)
        _limit_torch_threads(settings.service.torch_threads)
        try:
            model = embedder or serving_embedder(
                DataDir(settings.data_dir), settings.embedding, threads=settings.service.torch_threads
            )
        except EncoderUnavailableError as error:
            log.error("cannot start: %s", error)
            raise
        state = ServiceState(settings=settings, embedder=model, composer=composer, metrics=app.state.metrics)
        state.load()
        app.state.service = state
        # Picks up versions written by `vademecum ingest`, rollback or the admin endpoints (service/reload.py).
        reloader = Reloader(state, settings.service.reload_interval_s)
        reloader.start()
        yield
        reloader.stop()
        state.close()

    app = FastAPI(
        title="Vademecum",
        version="1.0.0",
        summary="Cited follow-up answers from a guideline corpus",
        description=(
            "Answers follow-up questions by quoting passages of a curated guideline corpus, with numbered "
            "citations, a reference list that matches them, related questions and a disclaimer on every answer."
        ),
        lifespan=lifespan,
        # Every operation documents the JSON error it can answer with (not FastAPI's `{detail}` shape).
        responses=ERROR_RESPONSES,
    )
    app.state.metrics = Metrics.create()
    app.include_router(followups.router)
    app.include_router(articles.router)
    app.include_router(health.router)
    admin.install(app)
    _install_error_handlers(app)
    # Innermost of the middlewares: a body is counted as FastAPI reads it, and refused above the limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.service.max_body_bytes)
    # Rate limit, concurrency bound, timeout, drain on SIGTERM; inside ObserveMiddleware so refusals are logged.
    install_guards(app, settings)
    app.add_middleware(ObserveMiddleware, metrics=app.state.metrics)
    return app


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
        scope[LOG_FIELDS] = fields
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


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
        kind = str(first.get("type", ""))
        code = {"json_invalid": "invalid_json", "extra_forbidden": "unknown_field", "missing": "missing_field"}.get(
            kind, "invalid_request"
        )
        message = str(first.get("msg", "invalid request"))
        if kind == "extra_forbidden" and location:
            message = f"unknown field {location[-1]!r}"
        status = 422
        if _sent_as_other_than_json(request, first):
            status, code, message = 415, "unsupported_media_type", "send the body as application/json"
        request.scope.get(LOG_FIELDS, {})["error"] = code
        return JSONResponse(error_body(code, message, ".".join(location) or None), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "bad_request",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            415: "unsupported_media_type",
            503: "not_ready",
        }
        code = codes.get(exc.status_code, "http_error")
        request.scope.get(LOG_FIELDS, {})["error"] = code
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"fields": {"route": request.url.path, **failure_fields(exc)}})
        return JSONResponse(error_body("internal_error", "the request could not be completed"), status_code=500)


def _sent_as_other_than_json(request: Request, error: Any) -> bool:
    """FastAPI hands a body that is not declared JSON (text/plain, a form, no type) to validation as
    raw bytes; the whole body then fails as one value. That is a media-type mistake, not a bad field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_json = content_type == "application/json" or content_type.endswith("+json")
    return not is_json and tuple(error.get("loc", ())) == ("body",) and error.get("type") != "missing"


def _limit_torch_threads(threads: int) -> None:
    """Requests run in parallel threads: each should use one core, not fight over all of them.

    Torch, when the encoder runs on it (the ONNX encoder gets its threads when loaded), gets the configured
    number of threads, and the BLAS under numpy one thread, since its matrix products here are tiny and a
    BLAS thread pool only spins against the request threads.
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with the pinned dependencies
        return
    threadpool_limits(limits=1, user_api="blas")
