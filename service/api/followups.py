"""POST /v1/followups and its streaming twin. The work happens in service.answering.pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from service.answering.pipeline import AnswerService, AnswerTrace, StreamEvent
from service.api.deps import AnswersDep, MetricsDep, StateDep
from service.http.access_log import add_log_fields
from service.http.metrics import Metrics
from service.schema import FollowupAnswer, FollowupRequest

router = APIRouter(prefix="/v1", tags=["followups"])

_STREAM_DOC = """Server-sent events, in this order:

- `meta` `{request_id, status, audience, index}`: `status` as planned before composition; the final one is
  in `done` (an answer whose composer finds nothing it can quote becomes `insufficient_evidence`)
- `delta` `{text}`, repeated: the answer's Markdown, piece by piece
- `citations` `{citations}`, `references` `{references}`, `related` `{related_questions}`,
  `disclaimer` `{disclaimer, review_notice}`: always sent, also when composition failed midway
- `done` `{status, answer}` with the complete answer (the same object `POST /v1/followups` returns), or
  `error` `{code, message, status, answer}` when retrieval or composition failed; the answer then holds
  what could be composed, with its references and the disclaimer.
"""


@router.post(
    "/followups",
    response_model=FollowupAnswer,
    summary="Answer a follow-up question from the corpus",
    responses={
        422: {"description": "invalid request: `{code, message, field}`"},
        503: {"description": "index not ready"},
    },
)
def post_followup(
    body: FollowupRequest, answers: AnswersDep, metrics: MetricsDep, state: StateDep, request: Request
) -> Response:
    answer, trace = answers.answer_traced(body, request_id_of(request))
    metrics.answers.labels(answer.status.value).inc()
    record_answer(request, body, answer, trace, state.settings.service.log_text)
    # The answer was built and validated by the pipeline: serialise it once, without re-validating it.
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post(
    "/followups/stream",
    summary="The same answer as server-sent events",
    description=_STREAM_DOC,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 422: {"description": "invalid request"}},
)
def stream_followup(
    body: FollowupRequest, answers: AnswersDep, metrics: MetricsDep, state: StateDep, request: Request
) -> StreamingResponse:
    events = recorded_events(answers, body, request, metrics, state.settings.service.log_text)

    def encoded() -> Iterator[str]:
        for event in events:
            yield sse(event)

    return StreamingResponse(
        encoded(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


def recorded_events(
    answers: AnswerService, body: FollowupRequest, request: Request, metrics: Metrics, log_text: bool
) -> Iterator[StreamEvent]:
    """The answer's stream events; the finished answer counted and written to the access log as it passes
    (every streaming route, whatever shape it sends the events in)."""
    for event in answers.stream(body, request_id_of(request)):
        if event.answer is not None and event.trace is not None:
            metrics.answers.labels(event.answer.status.value).inc()
            record_answer(request, body, event.answer, event.trace, log_text)
        yield event


def sse(event: StreamEvent) -> str:
    return f"event: {event.event}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n"


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def record_answer(
    request: Request, body: FollowupRequest, answer: FollowupAnswer, trace: AnswerTrace, text: bool
) -> None:
    """What the access log line of this request says about the answer (no text unless enabled)."""
    fields: dict[str, Any] = dict(
        status=answer.status.value,
        audience=body.audience.value,
        article_id=body.article_id,
        question_chars=len(body.question),
        history_turns=len(body.history),
        context_turns=trace.context_turns,
        answer_chars=len(answer.answer),
        retrieved=trace.retrieved,
        cited=[c.passage_id for c in answer.citations],
        references=len(answer.references),
        best_similarity=trace.best_similarity,
        emergency=trace.emergency,
        injection=trace.injection,
        scope=trace.scope,
        error=trace.error,
        timings=answer.timings,
    )
    if text:
        fields["question"] = body.question
        fields["answer"] = answer.answer
    add_log_fields(request.scope, **fields)
