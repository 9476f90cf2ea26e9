"""POST /v1/followups and its streaming twin. The work happens in service.answering."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from service.answering import StreamEvent
from service.api.deps import AnswersDep, MetricsDep
from service.logs import log_request
from service.models import FollowupAnswer, FollowupRequest

router = APIRouter(prefix="/v1", tags=["followups"])


@router.post("/followups", response_model=FollowupAnswer, summary="Answer a follow-up question from the corpus")
def post_followup(body: FollowupRequest, answers: AnswersDep, metrics: MetricsDep, request: Request) -> FollowupAnswer:
    request_id = _request_id(request)
    answer = answers.answer(body, request_id)
    metrics.answers.labels(answer.status.value).inc()
    _log(request, body, answer)
    return answer


@router.post(
    "/followups/stream",
    summary="The same answer as server-sent events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def stream_followup(
    body: FollowupRequest, answers: AnswersDep, metrics: MetricsDep, request: Request
) -> StreamingResponse:
    request_id = _request_id(request)

    def events() -> Iterator[str]:
        for event in answers.stream(body, request_id):
            if event.event == "done":
                answer = FollowupAnswer.model_validate(event.data["answer"])
                metrics.answers.labels(answer.status.value).inc()
                _log(request, body, answer)
            yield sse(event)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def sse(event: StreamEvent) -> str:
    return f"event: {event.event}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n"


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", None) or uuid.uuid4())


def _log(request: Request, body: FollowupRequest, answer: FollowupAnswer) -> None:
    fields = {
        "request_id": answer.request_id,
        "path": request.url.path,
        "status": answer.status.value,
        "audience": body.audience.value,
        "question_chars": len(body.question),
        "history_turns": len(body.history),
        "answer_chars": len(answer.answer),
        "passage_ids": [c.passage_id for c in answer.citations],
        "reference_count": len(answer.references),
        "timings": answer.timings,
    }
    if request.app.state.service.settings.service.log_text:
        fields["question"] = body.question
        fields["answer"] = answer.answer
    log_request(**fields)
