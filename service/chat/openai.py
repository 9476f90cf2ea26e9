"""OpenAI chat completions over the follow-up pipeline: the request read as a conversation, the answer
written as a `chat.completion` or as `chat.completion.chunk` frames.

What a client gets besides the message (OpenAI clients keep unknown top-level fields):
- `citations`: one link per reference, in marker order ([1] is the first), as Perplexity-style clients read it
  (the reference's URL, else https://doi.org/<doi>, else the reference written out);
- `vademecum`: the complete follow-up answer (status, citations with their quotes, references, related
  questions, disclaimer), the object `POST /v1/followups` returns.
Streamed, both travel on the last chunk that has a choice (the one with `finish_reason`).

Token counts are estimates, since no tokenizer runs here: one token per 4 characters, rounded up, of the
text of every message sent (prompt) and of the message returned (completion), OpenAI's rule of thumb for
English text.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.models import ARTICLE_ID_PATTERN
from service.answering.pipeline import StreamEvent
from service.chat.conversation import ChatInputError, ChatTurn, TrimmedText, content_tail, reference_link
from service.schema import Audience, FollowupAnswer

SERVED_MODEL = "vademecum"
CHARS_PER_TOKEN = 4


class _Open(BaseModel):
    # OpenAI clients send fields this service has no use for (temperature, user, name...): accepted, unused.
    model_config = ConfigDict(extra="allow")


class ContentPart(_Open):
    type: str
    text: str | None = None


class ChatMessage(_Open):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(_Open):
    include_usage: bool = False


class ChatCompletionRequest(_Open):
    model: str = Field(description=f"the model to answer; `{SERVED_MODEL}` is served (see GET /v1/models)")
    messages: list[ChatMessage] = Field(
        description="the conversation: the last user message is the question, the turns before it its history; "
        "system and developer messages are accepted and ignored",
        max_length=1000,
    )
    stream: bool = False
    stream_options: StreamOptions | None = None
    article_id: str | None = Field(
        default=None, pattern=ARTICLE_ID_PATTERN, max_length=128, description="the article the user is reading"
    )
    audience: Audience = Audience.CLINICIAN
    max_citations: int | None = Field(default=None, ge=1, le=20, strict=True, description="most passages to quote")

    @property
    def include_usage(self) -> bool:
        return self.stream_options is not None and self.stream_options.include_usage


def check_model(model: str) -> None:
    if model != SERVED_MODEL:
        message = f"the model {model!r} does not exist; this server answers with {SERVED_MODEL!r}"
        raise ChatInputError(message, "model_not_found", "model", status=404)


def chat_turns(messages: list[ChatMessage]) -> list[ChatTurn]:
    """Each message as a turn; its content a string or a list of text parts (joined by blank lines)."""
    turns: list[ChatTurn] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}].content"
        if isinstance(message.content, list):
            texts: list[str] = []
            for j, part in enumerate(message.content):
                if part.type != "text" or part.text is None:
                    if message.role in ("user", "assistant"):
                        raise ChatInputError(
                            f"only text content is understood; part {j} is {part.type!r}",
                            "unsupported_content",
                            f"{where}[{j}]",
                        )
                    continue
                texts.append(part.text)
            text = "\n\n".join(texts)
        else:
            text = message.content or ""
        turns.append(ChatTurn(role=message.role, text=text, where=where))
    return turns


def models_list(created: int) -> dict[str, Any]:
    return {"object": "list", "data": [model_card(created)]}


def model_card(created: int) -> dict[str, Any]:
    return {"id": SERVED_MODEL, "object": "model", "created": created, "owned_by": "vademecum"}


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def usage(request: ChatCompletionRequest, content: str) -> dict[str, int]:
    prompt = sum(estimate_tokens(turn.text) for turn in chat_turns(request.messages))
    completion = estimate_tokens(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def structured(answer: FollowupAnswer) -> dict[str, Any]:
    """The fields that carry the structured answer beside the message."""
    return {
        "citations": [reference_link(reference) for reference in answer.references],
        "vademecum": answer.model_dump(mode="json"),
    }


class Completion:
    """One answer written in OpenAI's shapes; `id`, `created` and the index version stay the same across chunks."""

    def __init__(self, request: ChatCompletionRequest, request_id: str, index_version: str) -> None:
        self.request = request
        self.id = f"chatcmpl-{request_id}"
        self.created = int(time.time())
        self.fingerprint = f"index-{index_version}"

    def _head(self, kind: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": kind,
            "created": self.created,
            "model": SERVED_MODEL,
            "system_fingerprint": self.fingerprint,
        }

    def response(self, answer: FollowupAnswer) -> dict[str, Any]:
        """The `chat.completion` object of a non-streamed request."""
        content = answer.answer + content_tail(answer)
        message = {"role": "assistant", "content": content, "refusal": None}
        return {
            **self._head("chat.completion"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": usage(self.request, content),
            **structured(answer),
        }

    def chunks(self, events: Iterator[StreamEvent]) -> Iterator[dict[str, Any]]:
        """The `chat.completion.chunk` objects of a streamed request (the caller frames them and adds [DONE])."""
        yield self._chunk({"role": "assistant", "content": ""})
        text = TrimmedText()
        sent: list[str] = []
        for event in events:
            if event.event == "delta":
                piece = text.feed(str(event.data["text"]))
                if piece:
                    sent.append(piece)
                    yield self._chunk({"content": piece})
            elif event.answer is not None:  # `done`, or `error`: the answer is complete and well-formed either way
                tail = content_tail(event.answer)
                sent.append(tail)
                yield self._chunk({"content": tail})
                yield {**self._chunk({}, finish_reason="stop"), **structured(event.answer)}
                if self.request.include_usage:
                    yield {
                        **self._head("chat.completion.chunk"),
                        "choices": [],
                        "usage": usage(self.request, "".join(sent)),
                    }

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        chunk = {
            **self._head("chat.completion.chunk"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
        }
        if self.request.include_usage:
            chunk["usage"] = None  # as OpenAI does: every chunk but the last carries `usage: null`
        return chunk
