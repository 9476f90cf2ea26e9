"""Thin request dependencies: the state the routes need, or a 503 saying why it is not there."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from service.answering import AnswerService
from service.index import LoadedIndex
from service.metrics import Metrics
from service.state import ServiceState


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def get_answers(state: Annotated[ServiceState, Depends(get_state)]) -> AnswerService:
    if state.answers is None or state.not_ready:
        raise HTTPException(status_code=503, detail=f"not ready: {state.not_ready}")
    return state.answers


def get_index(state: Annotated[ServiceState, Depends(get_state)]) -> LoadedIndex:
    if state.index is None:
        raise HTTPException(status_code=503, detail=f"not ready: {state.not_ready}")
    return state.index


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


StateDep = Annotated[ServiceState, Depends(get_state)]
AnswersDep = Annotated[AnswerService, Depends(get_answers)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
