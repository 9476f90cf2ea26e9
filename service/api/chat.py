"""OpenAI-compatible chat: GET /v1/models and POST /v1/chat/completions. The work happens in service.chat.openai.

The same dependencies as /v1/followups (served index, answer service, metrics), the same guards (the
routes are in service.guards.ANSWER_ROUTES) and the same access-log fields, without any text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from service.api.deps import AnswersDep, IndexDep, MetricsDep, StateDep
from service.api.followups import record_answer, recorded_events, request_id_of
from service.chat.conversation import ChatInputError, followup_request
from service.chat.errors import OPENAI_ERROR_RESPONSES, input_error_body
from service.chat.openai import ChatCompletionRequest, Completion, chat_turns, check_model, model_card, models_list
from service.http.access_log import add_log_fields
from service.retrieval.index import LoadedIndex

router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=OPENAI_ERROR_RESPONSES)


def _created(index: LoadedIndex) -> int:
    """The model's `created` time: when the served index version was built."""
    return int(datetime.fromisoformat(index.manifest.created_at).timestamp())


@router.get("/models", summary="The models served (OpenAI-compatible)")
async def list_models(index: IndexDep) -> dict[str, Any]:
    return models_list(_created(index))


@router.get("/models/{model}", summary="One served model (OpenAI-compatible)")
async def get_model(model: str, index: IndexDep) -> JSONResponse:
    try:
        check_model(model)
    except ChatInputError as error:
        return JSONResponse(input_error_body(error), status_code=error.status)
    return JSONResponse(model_card(_created(index)))


@router.post(
    "/chat/completions",
    summary="Answer the last user message of a conversation (OpenAI chat completions)",
    description=(
        "The message content is the answer with its [n] markers, the numbered references, any review notice and "
        "the disclaimer. Beside it: `citations` (one link per reference, in marker order) and `vademecum` (the "
        "follow-up answer object). With `stream: true`, `chat.completion.chunk` server-sent events, then "
        "`data: [DONE]`; `citations` and `vademecum` come on the chunk with `finish_reason`. Extra fields: "
        "`article_id`, `audience`, `max_citations`. Errors are OpenAI's `{error: {message, type, param, code}}`."
    ),
    responses={200: {"content": {"text/event-stream": {}}}},
)
def chat_completions(
    body: ChatCompletionRequest, answers: AnswersDep, metrics: MetricsDep, state: StateDep, request: Request
) -> Response:
    try:
        check_model(body.model)
        followup = followup_request(
            chat_turns(body.messages),
            article_id=body.article_id,
            audience=body.audience,
            max_citations=body.max_citations,
        )
    except ChatInputError as error:
        add_log_fields(request.scope, error=error.code)
        return JSONResponse(input_error_body(error), status_code=error.status)
    log_text = state.settings.service.log_text
    request_id = request_id_of(request)
    completion = Completion(body, request_id, answers.index.version)
    if not body.stream:
        answer, trace = answers.answer_traced(followup, request_id)
        metrics.answers.labels(answer.status.value).inc()
        record_answer(request, followup, answer, trace, log_text)
        return Response(json.dumps(completion.response(answer), ensure_ascii=False), media_type="application/json")

    def encoded() -> Iterator[str]:
        for chunk in completion.chunks(recorded_events(answers, followup, request, metrics, log_text)):
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(
        encoded(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
