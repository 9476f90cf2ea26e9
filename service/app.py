"""The FastAPI application: built by `create_app`, with the index opened once in the lifespan.

Every error leaves as JSON `{code, message, field}` (service.http.errors); no request can produce a stack trace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ingest.embedding import Embedder, serving_embedder
from ingest.layout import DataDir
from ingest.settings import Settings, get_settings
from service.answering.composition import Composer
from service.api import admin, ai_sdk, articles, chat, followups, health
from service.chat.errors import OpenAIErrorMiddleware
from service.http.access_log import ObserveMiddleware
from service.http.body_limit import BodyLimitMiddleware
from service.http.errors import ERROR_RESPONSES, install_error_handlers
from service.http.guards import install_guards
from service.http.metrics import Metrics
from service.logs import configure_logging
from service.runtime.reload import Reloader
from service.runtime.state import ServiceState
from service.web import router as page_router


def create_app(
    settings: Settings | None = None, embedder: Embedder | None = None, composer: Composer | None = None
) -> FastAPI:
    """The app. `embedder` and `composer` replace the configured ones (tests, evaluation, a generative composer)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service.log_level)
        threads = settings.service.encoder_threads
        model = embedder or serving_embedder(DataDir(settings.data_dir), settings.embedding, threads)
        _limit_threads(model, threads)
        state = ServiceState(settings=settings, embedder=model, composer=composer, metrics=app.state.metrics)
        state.load()
        app.state.service = state
        # Picks up versions written by `vademecum ingest`, rollback or the admin endpoints (service.runtime.reload).
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
    app.include_router(chat.router)
    app.include_router(ai_sdk.router)
    app.include_router(articles.router)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(page_router)
    install_error_handlers(app)
    # Innermost of the middlewares: a body is counted as FastAPI reads it, and refused above the limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.service.max_body_bytes)
    # Rate limit, concurrency bound, timeout, drain on SIGTERM; inside ObserveMiddleware so refusals are logged.
    install_guards(app, settings)
    # OpenAI clients read errors in OpenAI's shape, the guards' refusals included (service/chat/errors.py).
    app.add_middleware(OpenAIErrorMiddleware)
    app.add_middleware(ObserveMiddleware, metrics=app.state.metrics)
    return app


def _limit_threads(embedder: Embedder, threads: int) -> None:
    """Requests run in parallel threads: each should use one core, not fight over all of them.

    The encoder gets the configured number of threads (ONNX Runtime's are set when its session is built;
    torch's only when torch is the encoder, so an ONNX server never imports it), and the BLAS under numpy
    one thread, since its matrix products here are tiny and a BLAS thread pool only spins against the
    request threads.
    """
    if embedder.encoder == "torch":
        import torch

        torch.set_num_threads(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
