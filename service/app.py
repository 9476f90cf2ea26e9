"""The FastAPI application: built by `create_app`, with the index opened once in the lifespan.

Every error leaves as JSON `{code, message, field}`; no request can produce a stack trace.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.embedding import Embedder, SentenceTransformerEmbedder
from ingest.settings import Settings, get_settings
from service.api import articles, followups, health
from service.logs import configure_logging
from service.metrics import Metrics
from service.state import ServiceState

log = logging.getLogger("vademecum.service")


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service.log_level)
        _limit_torch_threads(settings.service.torch_threads)
        model = embedder or SentenceTransformerEmbedder(
            settings.embedding.model,
            batch_size=settings.embedding.batch_size,
            max_seq_length=settings.embedding.max_seq_length,
        )
        state = ServiceState(settings=settings, embedder=model)
        state.load()
        app.state.service = state
        yield
        state.close()

    app = FastAPI(
        title="Vademecum",
        version="1.0.0",
        summary="Cited follow-up answers from a guideline corpus",
        lifespan=lifespan,
    )
    app.state.metrics = Metrics.create()
    app.include_router(followups.router)
    app.include_router(articles.router)
    app.include_router(health.router)
    _install_error_handlers(app)
    app.middleware("http")(_observe)
    return app


async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Give each request an id, time it, and count it by route and status code."""
    request.state.request_id = str(uuid.uuid4())
    started = time.perf_counter()
    response = await call_next(request)
    route = getattr(request.scope.get("route"), "path", "unmatched")
    metrics: Metrics = request.app.state.metrics
    metrics.requests.labels(route, str(response.status_code)).inc()
    metrics.latency.labels(route).observe(time.perf_counter() - started)
    response.headers["X-Request-ID"] = request.state.request_id
    return response


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        location = [str(part) for part in first.get("loc", ()) if part != "body"]
        code = "invalid_json" if first.get("type") == "json_invalid" else "invalid_request"
        message = str(first.get("msg", "invalid request"))
        return JSONResponse(error_body(code, message, ".".join(location) or None), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 503: "not_ready"}
        code = codes.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc, extra={"fields": {"path": request.url.path}})
        return JSONResponse(error_body("internal_error", "the request could not be completed"), status_code=500)


def _limit_torch_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
