"""POST /v1/ai-sdk/chat: the Vercel AI SDK UI message stream, for apps built on `useChat`.

The work happens in service.chat.ai_sdk; dependencies, guards (the route is in service.guards.ANSWER_ROUTES),
metrics and access-log fields are those of /v1/followups. A request the pipeline cannot take is refused
with an HTTP error before the stream starts (`{code, message, field}`, which useChat's transport raises as
the error's message); a failure once the stream runs is an `error` chunk, since the status line is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from service.api.deps import AnswersDep, MetricsDep, StateDep
from service.api.followups import recorded_events, request_id_of
from service.chat.ai_sdk import STREAM_HEADER, AiSdkChatRequest, chat_turns, ui_message_chunks
from service.chat.conversation import ChatInputError, followup_request
from service.http.access_log import add_log_fields

router = APIRouter(prefix="/v1/ai-sdk", tags=["ai-sdk"])


@router.post(
    "/chat",
    summary="Answer the last user message as a Vercel AI SDK UI message stream (useChat)",
    description=(
        "Body: useChat's `messages` (UIMessages with text parts) plus `article_id`, `audience`, `max_citations`. "
        "Server-sent events `data: {chunk}`: `start`, `text-start`, `text-delta`..., `text-end`, a "
        "`source-document` per reference, `data-disclaimer`, `data-related`, `data-answer` (the follow-up answer), "
        "`error` if the pipeline failed, `finish`, then `data: [DONE]`."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 400: {"description": "a conversation without a question"}},
)
def ai_sdk_chat(
    body: AiSdkChatRequest, answers: AnswersDep, metrics: MetricsDep, state: StateDep, request: Request
) -> Response:
    try:
        followup = followup_request(
            chat_turns(body.messages),
            article_id=body.article_id,
            audience=body.audience,
            max_citations=body.max_citations,
        )
    except ChatInputError as error:
        add_log_fields(request.scope, error=error.code)
        payload = {"code": error.code, "message": error.message, "field": error.param}
        return JSONResponse(payload, status_code=error.status)
    log_text = state.settings.service.log_text
    request_id = request_id_of(request)

    def encoded() -> Iterator[str]:
        for chunk in ui_message_chunks(recorded_events(answers, followup, request, metrics, log_text), request_id):
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    name, version = STREAM_HEADER
    headers = {name: version, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(encoded(), media_type="text/event-stream", headers=headers)
