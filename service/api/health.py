"""Probes and metrics: /healthz (process alive), /readyz (index opened and non-empty), /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.deps import MetricsDep, StateDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The index is opened and non-empty", responses={503: {"description": "not ready"}})
def readyz(state: StateDep) -> JSONResponse:
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
            # A newer version that could not be opened (the one above still serves), else null.
            "failed_version": state.failed and {"version": state.failed.version, "reason": state.failed.reason},
        }
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(registry: MetricsDep) -> Response:
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
