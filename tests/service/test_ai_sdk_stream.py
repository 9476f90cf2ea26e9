"""POST /v1/ai-sdk/chat over real HTTP, checked against the AI SDK UI message stream's documented chunks.

The chunk shapes are those of the AI SDK's `uiMessageChunkSchema` (strict objects: a field it does not
name makes the client reject the chunk), the framing that of its SSE transport: `data: {json}` events,
then `data: [DONE]`, with the response header `x-vercel-ai-ui-message-stream: v1`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ingest.embedding import Embedder
from ingest.settings import Settings
from service.answering.wording import COMPOSITION_FAILED
from service.app import create_app
from service.chat.conversation import chat_content
from service.schema import FollowupAnswer
from tests.service.helpers import ANSWERED
from tests.service.live_server import live_server
from tests.service.test_stream import FailsMidway

AF_QUESTION = ANSWERED["question"]
# Each chunk type sent here: (required fields, optional fields), as the protocol documents them.
DOCUMENTED: dict[str, tuple[set[str], set[str]]] = {
    "start": (set(), {"messageId", "messageMetadata"}),
    "text-start": ({"id"}, {"providerMetadata"}),
    "text-delta": ({"id", "delta"}, {"providerMetadata"}),
    "text-end": ({"id"}, {"providerMetadata"}),
    "source-document": ({"sourceId", "mediaType", "title"}, {"filename", "providerMetadata"}),
    "error": ({"errorText"}, set()),
    "finish": (set(), {"finishReason", "messageMetadata"}),
}
DATA_FIELDS = ({"data"}, {"id", "transient"})  # every `data-<name>` chunk


def _message(role: str, text: str, *extra_parts: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{role}-{len(text)}", "role": role, "parts": [{"type": "text", "text": text}, *extra_parts]}


def _body(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    # What DefaultChatTransport sends: the chat id, the messages, a trigger, and the `body` option's fields.
    return {"id": "chat-1", "messages": list(messages), "trigger": "submit-message", **extra}


def _frames(response: httpx.Response) -> list[str]:
    return [block.removeprefix("data: ") for block in response.text.split("\n\n") if block]


def _chunks(response: httpx.Response) -> list[dict[str, Any]]:
    frames = _frames(response)
    assert frames[-1] == "[DONE]"
    return [json.loads(frame) for frame in frames[:-1]]


@pytest.fixture(scope="module")
def url(settings: Settings, embedder: Embedder) -> Iterator[str]:
    with live_server(create_app(settings, embedder=embedder)) as base:
        yield base


def _post(url: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/v1/ai-sdk/chat", json=body, timeout=60)


@pytest.fixture(scope="module")
def answered(url: str) -> httpx.Response:
    return _post(url, _body(_message("user", AF_QUESTION)))


def _answer(chunks: list[dict[str, Any]]) -> FollowupAnswer:
    return FollowupAnswer.model_validate(next(c["data"] for c in chunks if c["type"] == "data-answer"))


def test_response_is_an_event_stream_announcing_the_ui_message_protocol(answered: httpx.Response) -> None:
    assert answered.status_code == 200
    assert answered.headers["content-type"].startswith("text/event-stream")
    assert answered.headers["x-vercel-ai-ui-message-stream"] == "v1"


def test_every_frame_is_a_data_event_and_the_last_is_done(answered: httpx.Response) -> None:
    blocks = [block for block in answered.text.split("\n\n") if block]

    assert all(block.startswith("data: ") and "\n" not in block for block in blocks)
    assert blocks[-1] == "data: [DONE]"


def test_every_chunk_has_exactly_the_documented_fields(answered: httpx.Response) -> None:
    for chunk in _chunks(answered):
        kind = chunk["type"]
        required, optional = DATA_FIELDS if kind.startswith("data-") else DOCUMENTED[kind]
        fields = set(chunk) - {"type"}
        assert required <= fields <= required | optional, chunk


def test_chunks_come_in_the_documented_order(answered: httpx.Response) -> None:
    kinds = [chunk["type"] for chunk in _chunks(answered)]

    deltas = kinds.count("text-delta")
    sources = kinds.count("source-document")
    assert deltas >= 2 and sources >= 1
    assert kinds == [
        "start",
        "text-start",
        *["text-delta"] * deltas,
        "text-end",
        *["source-document"] * sources,
        "data-disclaimer",
        "data-related",
        "data-answer",
        "finish",
    ]


def test_text_chunks_share_one_id_and_the_message_has_an_id(answered: httpx.Response) -> None:
    chunks = _chunks(answered)

    assert chunks[0]["messageId"]
    assert len({c["id"] for c in chunks if c["type"].startswith("text-")}) == 1


def test_text_is_the_answer_with_references_and_disclaimer(answered: httpx.Response) -> None:
    chunks = _chunks(answered)

    text = "".join(c["delta"] for c in chunks if c["type"] == "text-delta")
    answer = _answer(chunks)
    assert answer.status.value == "answered"
    assert text == chat_content(answer)
    assert "**References**" in text and answer.disclaimer in text


def test_one_source_document_per_reference_in_marker_order(answered: httpx.Response) -> None:
    chunks = _chunks(answered)

    sources = [c for c in chunks if c["type"] == "source-document"]
    references = _answer(chunks).references
    assert [s["sourceId"] for s in sources] == [f"ref-{r.n}" for r in references]
    assert all(s["title"].startswith(f"[{r.n}] {r.title}") for s, r in zip(sources, references, strict=True))


def test_data_parts_carry_disclaimer_and_related_questions(answered: httpx.Response) -> None:
    chunks = _chunks(answered)
    data = {c["type"]: c["data"] for c in chunks if c["type"].startswith("data-")}

    answer = _answer(chunks)
    assert data["data-disclaimer"] == {"disclaimer": answer.disclaimer, "review_notice": answer.review_notice}
    assert data["data-related"]["related_questions"] == [q.model_dump() for q in answer.related_questions]
    assert answer.related_questions


def test_follow_up_reads_the_earlier_turns_of_the_conversation(url: str, answered: httpx.Response) -> None:
    earlier = _chunks(answered)
    # The assistant message as useChat keeps it: its text, and the sources and data parts the stream sent.
    parts = [c for c in earlier if c["type"] == "source-document" or c["type"].startswith("data-")]
    assistant = _message("assistant", chat_content(_answer(earlier)), *parts)

    response = _post(url, _body(_message("user", AF_QUESTION), assistant, _message("user", "and in pregnancy?")))

    answer = _answer(_chunks(response))
    assert answer.citations[0].article_id == "atrial-fibrillation-anticoagulation"
    assert "pregnancy" in answer.citations[0].quote.lower()


def test_audience_and_article_id_come_from_the_body(url: str) -> None:
    body = _body(
        _message("user", "and in pregnancy?"), audience="patient", article_id="atrial-fibrillation-anticoagulation"
    )

    answer = _answer(_chunks(_post(url, body)))

    assert answer.disclaimer.startswith("This is general health information")
    assert answer.citations and answer.citations[0].article_id == "atrial-fibrillation-anticoagulation"


def test_conversation_without_a_question_is_refused_before_the_stream(url: str) -> None:
    response = _post(url, _body({"id": "s", "role": "system", "parts": [{"type": "text", "text": "Be brief."}]}))

    assert response.status_code == 400
    assert response.json()["code"] == "no_user_message"


def test_user_file_part_is_refused_with_its_field(url: str) -> None:
    file_part = {"type": "file", "mediaType": "image/png", "url": "data:image/png;base64,AAAA"}
    response = _post(url, _body(_message("user", AF_QUESTION, file_part)))

    assert response.status_code == 400
    assert response.json()["field"] == "messages[0].parts[1]"


@pytest.fixture(scope="module")
def failing_url(settings: Settings, embedder: Embedder) -> Iterator[str]:
    with live_server(create_app(settings, embedder=embedder, composer=FailsMidway())) as base:
        yield base


def test_failure_during_the_answer_is_an_error_chunk_before_finish(failing_url: str) -> None:
    chunks = _chunks(_post(failing_url, _body(_message("user", AF_QUESTION))))

    kinds = [c["type"] for c in chunks]
    assert kinds[-2:] == ["error", "finish"]
    assert chunks[-2]["errorText"] == "composition failed: RuntimeError"
    text = "".join(c["delta"] for c in chunks if c["type"] == "text-delta")
    assert COMPOSITION_FAILED in text and _answer(chunks).disclaimer in text
