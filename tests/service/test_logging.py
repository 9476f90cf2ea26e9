"""Structured access logs: one JSON line per request, with ids and timings, and no text unless enabled."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.settings import ServiceSettings, Settings
from service.app import create_app
from service.http.access_log import ACCESS
from service.logs import JsonFormatter
from tests.service.helpers import ANSWERED

SECRET_QUESTION = "Which anticoagulant is preferred for non-valvular atrial fibrillation zebra-marker?"


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """The access log as the server writes it: JSON lines, captured from the logger's own output."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    ACCESS.addHandler(handler)
    try:
        yield stream
    finally:
        ACCESS.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_one_json_line_per_request(client: TestClient, access_log: io.StringIO) -> None:
    client.post("/v1/followups", json=ANSWERED)
    client.get("/healthz")

    records = lines(access_log)
    assert [r["route"] for r in records] == ["/v1/followups", "/healthz"]


def test_followup_line_holds_ids_status_lengths_passages_and_timings(
    client: TestClient, access_log: io.StringIO
) -> None:
    response = client.post("/v1/followups", json=ANSWERED)

    (record,) = lines(access_log)
    assert record["request_id"] == response.headers["x-request-id"]
    assert record["status"] == "answered" and record["http_status"] == 200
    assert record["question_chars"] == len(ANSWERED["question"])
    assert record["answer_chars"] == len(response.json()["answer"])
    assert record["retrieved"] and set(record["cited"]) <= set(record["retrieved"])
    assert record["timings"]["total_ms"] > 0 and record["duration_ms"] > 0


def test_question_and_answer_text_stay_out_of_the_log(client: TestClient, access_log: io.StringIO) -> None:
    answer = client.post("/v1/followups", json={"question": SECRET_QUESTION}).json()

    logged = access_log.getvalue()
    assert "zebra-marker" not in logged
    assert answer["answer"][:40] not in logged


def test_text_is_logged_when_explicitly_enabled(
    settings: Settings, embedder: Embedder, access_log: io.StringIO
) -> None:
    verbose = settings.model_copy(update={"service": ServiceSettings(log_text=True)})
    with TestClient(create_app(verbose, embedder=embedder)) as client:
        client.post("/v1/followups", json={"question": SECRET_QUESTION})

    (record,) = [r for r in lines(access_log) if r["route"] == "/v1/followups"]
    assert record["question"] == SECRET_QUESTION
    assert record["answer"]


def test_stream_is_logged_once_after_its_last_event(client: TestClient, access_log: io.StringIO) -> None:
    client.post("/v1/followups/stream", json=ANSWERED)

    (record,) = lines(access_log)
    assert record["route"] == "/v1/followups/stream"
    assert record["status"] == "answered" and record["cited"]


def test_rejected_request_is_logged_with_its_error_code(client: TestClient, access_log: io.StringIO) -> None:
    client.post("/v1/followups", json={"question": "x", "surprise": True})

    (record,) = lines(access_log)
    assert record["http_status"] == 422 and record["error"] == "unknown_field"


def test_log_line_cannot_be_split_by_the_question(client: TestClient, access_log: io.StringIO) -> None:
    client.post("/v1/followups", json={"question": 'dose?\n{"level": "info", "forged": true}'})

    assert len(access_log.getvalue().strip().splitlines()) == 1
