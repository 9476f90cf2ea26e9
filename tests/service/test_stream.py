"""POST /v1/followups/stream: the same answer as server-sent events, complete even when composition fails."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from ingest.embedding import Embedder, Vectors
from ingest.settings import Settings
from service.answering.citations import consistency_problems
from service.answering.composition import ExtractiveComposer
from service.answering.pipeline import AnswerService
from service.answering.wording import COMPOSITION_FAILED
from service.app import create_app
from service.handoffs import DraftItem, Passage, Query
from service.retrieval.index import LoadedIndex
from service.retrieval.retriever import Retrieval
from service.schema import FollowupAnswer, FollowupRequest
from tests.service.helpers import ANSWERED, markers, parse_sse

STREAM_ORDER = ["meta", "citations", "references", "related", "disclaimer"]


class FailsMidway:
    """A composer that quotes one passage, then breaks (a generative composer losing its backend)."""

    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        first = ExtractiveComposer().select(passages, max_citations)[0]
        yield DraftItem(text=first.chunk.text, passage=first)
        raise RuntimeError("backend gone")


@pytest.fixture(scope="module")
def failing_client(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(settings, embedder=embedder, composer=FailsMidway())) as client:
        yield client


def test_stream_sends_events_in_order(client: TestClient) -> None:
    events = parse_sse(client.post("/v1/followups/stream", json=ANSWERED).text)

    names = [name for name, _ in events]
    assert [n for n in names if n != "delta"] == [*STREAM_ORDER, "done"]
    assert names.index("delta") == 1 and names.count("delta") >= 1


def test_streamed_answer_equals_json_answer(client: TestClient) -> None:
    events = parse_sse(client.post("/v1/followups/stream", json=ANSWERED).text)
    json_answer = client.post("/v1/followups", json=ANSWERED).json()

    streamed_text = "".join(data["text"] for name, data in events if name == "delta").strip()
    done = events[-1][1]["answer"]
    assert streamed_text == done["answer"] == json_answer["answer"]
    assert done["references"] == json_answer["references"]
    assert done["citations"] == json_answer["citations"]


def test_stream_meta_announces_status_and_request_id(client: TestClient) -> None:
    response = client.post("/v1/followups/stream", json=ANSWERED)

    meta = parse_sse(response.text)[0][1]
    assert meta["status"] == "answered"
    assert meta["request_id"] == response.headers["x-request-id"]


def test_stream_sends_references_and_disclaimer_when_composition_fails_midway(failing_client: TestClient) -> None:
    events = parse_sse(failing_client.post("/v1/followups/stream", json=ANSWERED).text)

    names = [name for name, _ in events]
    assert [n for n in names if n != "delta"] == [*STREAM_ORDER, "error"]
    data = dict(events)
    error = events[-1][1]
    assert error["code"] == "composition_failed"
    assert data["disclaimer"]["disclaimer"]
    references = data["references"]["references"]
    assert len(references) >= 1
    text = "".join(d["text"] for n, d in events if n == "delta")
    assert sorted(set(markers(text))) == [r["n"] for r in references]
    assert COMPOSITION_FAILED in text


def test_json_answer_keeps_quoted_references_when_composition_fails(failing_client: TestClient) -> None:
    response = failing_client.post("/v1/followups", json=ANSWERED)

    assert response.status_code == 200
    answer = FollowupAnswer.model_validate(response.json())
    assert len(answer.citations) == 1
    assert answer.answer.endswith(COMPOSITION_FAILED)
    assert answer.disclaimer and consistency_problems(answer) == []


class BrokenRetriever:
    def embed_question(self, question: str) -> Vectors:
        return np.zeros(3, dtype=np.float32)  # the encoder is local: only the store is down

    def retrieve(self, query: Query, *, question_vector: Vectors | None = None) -> Retrieval:
        raise ConnectionError("store unreachable")


def test_stream_ends_with_error_and_still_sends_disclaimer_when_retrieval_fails(index: LoadedIndex) -> None:
    service = AnswerService(index, BrokenRetriever())

    events = list(service.stream(FollowupRequest(question=ANSWERED["question"]), "r1"))

    names = [event.event for event in events]
    assert [n for n in names if n != "delta"] == [*STREAM_ORDER, "error"]
    assert events[-1].data["code"] == "retrieval_failed"
    assert events[-1].answer is not None and events[-1].answer.disclaimer
    assert events[-1].answer.status.value == "insufficient_evidence"
