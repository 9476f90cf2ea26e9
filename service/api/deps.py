"""Thin request dependencies: the state the routes need, or a 503 saying why it is not there.

A request takes the served index version once (`get_served`) and every other dependency derives from
that one bundle, so a request never mixes two versions. It is released when the response is complete
(FastAPI runs the exit of a dependency with `yield` after the response, streamed ones included), and a
version swapped out meanwhile is closed only then.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from service.answering.pipeline import AnswerService
from service.http.errors import ApiError
from service.http.metrics import Metrics
from service.retrieval.index import LoadedIndex
from service.runtime.state import Served, ServiceState


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


async def get_served(state: Annotated[ServiceState, Depends(get_state)]) -> AsyncIterator[Served]:
    served = state.acquire()
    if served is None:
        raise ApiError(503, "not_ready", f"not ready: {state.not_ready}")
    try:
        yield served
    finally:
        state.release(served)


ServedDep = Annotated[Served, Depends(get_served)]


async def get_answers(served: ServedDep, state: Annotated[ServiceState, Depends(get_state)]) -> AnswerService:
    if state.not_ready:
        raise ApiError(503, "not_ready", f"not ready: {state.not_ready}")
    return served.answers


async def get_index(served: ServedDep) -> LoadedIndex:
    return served.index


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


StateDep = Annotated[ServiceState, Depends(get_state)]
AnswersDep = Annotated[AnswerService, Depends(get_answers)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
