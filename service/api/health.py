"""Probes and metrics: /healthz (process alive), /readyz (index opened and non-empty), /metrics.

The probes are `async`: they run on the event loop, not in the thread pool, so they answer even
when every worker thread is busy with answers.
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.deps import MetricsDep, get_state

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The index is opened and non-empty", responses={503: {"description": "not ready"}})
async def readyz(request: Request) -> JSONResponse:
    state = get_state(request)  # called, not injected: a sync dependency would take a worker thread
    if request.app.state.drain.draining:  # SIGTERM: let the load balancer move traffic away (service/http/guards.py)
        return JSONResponse({"ready": False, "reason": "shutting down"}, status_code=503)
    if state.not_ready or state.index is None:
        return JSONResponse({"ready": False, "reason": state.not_ready}, status_code=503)
    index = state.index
    return JSONResponse(
        {
            "ready": True,
            "version": index.version,
            "articles": len(index.articles),
            "passages": len(index.chunks),
            "model": index.manifest.model_name,
            "pid": os.getpid(),  # which worker process answered (several workers share one port)
            # A newer version that could not be opened (the one above still serves), else null.
            "failed_version": state.failed and {"version": state.failed.version, "reason": state.failed.reason},
        }
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(registry: MetricsDep) -> Response:
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
