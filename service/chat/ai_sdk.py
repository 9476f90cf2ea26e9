"""The Vercel AI SDK UI message stream over the follow-up pipeline: what `useChat` sends in, its frames out.

In: the body of `useChat` (`DefaultChatTransport`): `messages` as UIMessages `{id, role, parts}`, the text
parts read as the conversation, plus this service's `article_id`, `audience` and `max_citations`.

Out: server-sent events `data: {chunk}`, each chunk one of the protocol's documented shapes (header
`x-vercel-ai-ui-message-stream: v1`), in this order:
- `start` `{messageId}`
- `text-start` `{id}`, `text-delta` `{id, delta}`..., `text-end` `{id}`: the same text as the OpenAI route's
  message content (answer with [n] markers, references, review notice, disclaimer)
- `source-document` `{sourceId, mediaType, title}` per reference; `sourceId` is `ref-<n>`, n its marker
- `data-disclaimer` `{data: {disclaimer, review_notice}}`, `data-related` `{data: {related_questions}}`,
  `data-answer` `{data: <the follow-up answer>}`
- `error` `{errorText}` when retrieval or composition failed (the answer before it is still complete)
- `finish`, then `data: [DONE]`.
The protocol's chunk schemas are strict: no chunk carries a field they do not name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.models import ARTICLE_ID_PATTERN
from service.answering.pipeline import StreamEvent
from service.chat.conversation import ChatInputError, ChatTurn, TrimmedText, content_tail, reference_text
from service.schema import Audience, FollowupAnswer

STREAM_HEADER = ("x-vercel-ai-ui-message-stream", "v1")
REFERENCE_MEDIA_TYPE = "text/plain"


class _Open(BaseModel):
    # useChat sends its own fields (id, trigger, messageId, metadata...): accepted, unused.
    model_config = ConfigDict(extra="allow")


class UIMessagePart(_Open):
    type: str
    text: str | None = None


class UIMessage(_Open):
    id: str | None = None
    role: Literal["system", "user", "assistant"]
    parts: list[UIMessagePart] = Field(max_length=1000)


class AiSdkChatRequest(_Open):
    messages: list[UIMessage] = Field(max_length=1000, description="the conversation, as useChat sends it")
    article_id: str | None = Field(
        default=None, pattern=ARTICLE_ID_PATTERN, max_length=128, description="the article the user is reading"
    )
    audience: Audience = Audience.CLINICIAN
    max_citations: int | None = Field(default=None, ge=1, le=20, strict=True, description="most passages to quote")


def chat_turns(messages: list[UIMessage]) -> list[ChatTurn]:
    """Each message's text parts as one turn. An assistant message's other parts (the sources and data this
    stream sent) are what the UI shows beside the text, not conversation: skipped. A user message can only
    ask in text."""
    turns: list[ChatTurn] = []
    for i, message in enumerate(messages):
        texts: list[str] = []
        for j, part in enumerate(message.parts):
            if part.type == "text" and part.text is not None:
                texts.append(part.text)
            elif message.role == "user" and part.type != "step-start":
                raise ChatInputError(
                    f"only text parts are understood in a user message; part {j} is {part.type!r}",
                    "unsupported_content",
                    f"messages[{i}].parts[{j}]",
                )
        turns.append(ChatTurn(role=message.role, text="\n\n".join(texts), where=f"messages[{i}].parts"))
    return turns


def ui_message_chunks(events: Iterator[StreamEvent], request_id: str) -> Iterator[dict[str, Any]]:
    """The UI message stream chunks of one answer (the caller frames them and adds [DONE])."""
    text_id = f"text-{request_id}"
    yield {"type": "start", "messageId": f"msg-{request_id}"}
    yield {"type": "text-start", "id": text_id}
    text = TrimmedText()
    for event in events:
        if event.event == "delta":
            piece = text.feed(str(event.data["text"]))
            if piece:
                yield {"type": "text-delta", "id": text_id, "delta": piece}
        elif event.answer is not None:  # `done` or `error`: the answer is complete and well-formed either way
            yield {"type": "text-delta", "id": text_id, "delta": content_tail(event.answer)}
            yield {"type": "text-end", "id": text_id}
            yield from _attachments(event.answer)
            if event.event == "error":
                yield {"type": "error", "errorText": str(event.data.get("message", "the answer failed"))}
            yield {"type": "finish"}


def _attachments(answer: FollowupAnswer) -> Iterator[dict[str, Any]]:
    for reference in answer.references:
        yield {
            "type": "source-document",
            "sourceId": f"ref-{reference.n}",
            "mediaType": REFERENCE_MEDIA_TYPE,
            "title": f"[{reference.n}] {reference_text(reference)}",
        }
    yield {"type": "data-disclaimer", "data": {"disclaimer": answer.disclaimer, "review_notice": answer.review_notice}}
    related = [question.model_dump() for question in answer.related_questions]
    yield {"type": "data-related", "data": {"related_questions": related}}
    yield {"type": "data-answer", "data": answer.model_dump(mode="json")}
