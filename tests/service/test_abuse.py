"""Hostile and malformed input through the real app: every refusal is a 4xx JSON `{code, message, field}`.

Never a 500, never a stack trace, and the server answers the next request. The cases already covered
by tests/service/test_followups_api.py (empty and 2,001-character question, missing question, unknown
fields, truncated JSON, a relative article id, out-of-range max_citations and min_year, 21 history
turns) are not repeated here. Bodies TestClient cannot send as a real client would (a chunked body
streamed over a socket) go to uvicorn on 127.0.0.1 in test_abuse_server.py.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.settings import Settings
from service.app import create_app
from service.http.access_log import ACCESS
from service.logs import JsonFormatter
from tests.service.helpers import ANSWERED, oversized_json

FOLLOWUPS = "/v1/followups"


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "field"}
    assert (body["code"], body["field"]) == (code, field), body
    assert "Traceback" not in response.text
    return body


def assert_still_answering(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 200


# --- bodies that are not JSON objects ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        pytest.param(b'{"question": "\xff\xfe dose?"}', "application/json", 400, "bad_request", id="invalid-utf8"),
        pytest.param(b"[" * 100_000, "application/json", 400, "bad_request", id="nested-100k-deep"),
        pytest.param(json.dumps(ANSWERED).encode(), "text/plain", 415, "unsupported_media_type", id="text-plain"),
        pytest.param(b"question=dose", "application/x-www-form-urlencoded", 415, "unsupported_media_type", id="form"),
        pytest.param(json.dumps(ANSWERED).encode(), None, 415, "unsupported_media_type", id="no-content-type"),
        pytest.param(b"[]", "application/json", 422, "invalid_request", id="json-array"),
        pytest.param(b'"dose?"', "application/json", 422, "invalid_request", id="json-string"),
    ],
)
def test_body_that_is_not_a_json_object_is_refused(
    client: TestClient, content: bytes, content_type: str | None, status: int, code: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(FOLLOWUPS, content=content, headers=headers)

    assert_error(response, status, code)
    assert_still_answering(client)


def test_multipart_form_is_refused_as_unsupported_media_type(client: TestClient) -> None:
    response = client.post(FOLLOWUPS, data={"question": "dose?"}, files={"f": ("q.txt", b"dose?")})

    assert_error(response, 415, "unsupported_media_type")


# --- size ----------------------------------------------------------------------------------------------


def test_body_above_the_limit_is_refused_before_parsing(client: TestClient) -> None:
    response = client.post(FOLLOWUPS, content=oversized_json(), headers={"content-type": "application/json"})

    assert_error(response, 413, "too_large")
    assert_still_answering(client)


def test_body_longer_than_its_declared_length_is_refused(client: TestClient) -> None:
    headers = {"content-type": "application/json", "content-length": "64"}
    response = client.post(FOLLOWUPS, content=oversized_json(), headers=headers)

    assert_error(response, 413, "too_large")


def test_body_without_declared_length_is_counted(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        data = oversized_json()
        for start in range(0, len(data), 65_536):
            yield data[start : start + 65_536]

    response = client.post(FOLLOWUPS, content=chunks(), headers={"content-type": "application/json"})

    assert "content-length" not in response.request.headers
    assert_error(response, 413, "too_large")


def test_body_at_the_limit_is_parsed(client: TestClient, settings: Settings) -> None:
    body = json.dumps({**ANSWERED, "surprise": "a" * settings.service.max_body_bytes})
    body = body[: settings.service.max_body_bytes - 2] + '"}'

    response = client.post(FOLLOWUPS, content=body.encode(), headers={"content-type": "application/json"})

    assert len(response.request.content) == settings.service.max_body_bytes
    assert_error(response, 422, "unknown_field", "surprise")


# --- wrong types and out-of-range values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        pytest.param({"question": 42}, "question", id="question-number"),
        pytest.param({"question": ["dose?"]}, "question", id="question-list"),
        pytest.param({"max_citations": "5"}, "max_citations", id="max-citations-string"),
        pytest.param({"max_citations": True}, "max_citations", id="max-citations-bool"),
        pytest.param({"max_citations": 2.5}, "max_citations", id="max-citations-float"),
        pytest.param({"max_citations": 10**30}, "max_citations", id="max-citations-huge"),
        pytest.param({"max_citations": -1}, "max_citations", id="max-citations-negative"),
        pytest.param({"filters": {"min_year": "2015"}}, "filters.min_year", id="min-year-string"),
        pytest.param({"filters": {"min_year": 99999}}, "filters.min_year", id="min-year-huge"),
        pytest.param({"filters": {"reference_type": "blog"}}, "filters.reference_type", id="reference-type"),
        pytest.param({"filters": {"specialty": "x" * 65}}, "filters.specialty", id="specialty-too-long"),
        pytest.param({"filters": []}, "filters", id="filters-list"),
        pytest.param({"history": "earlier turns"}, "history", id="history-string"),
        pytest.param({"audience": None}, "audience", id="audience-null"),
    ],
)
def test_wrong_type_or_range_is_refused_with_its_field(client: TestClient, extra: dict[str, Any], field: str) -> None:
    response = client.post(FOLLOWUPS, json={**ANSWERED, **extra})

    assert_error(response, 422, "invalid_request", field)


def test_non_finite_number_is_refused(client: TestClient) -> None:
    body = b'{"question": "dose?", "max_citations": NaN}'
    response = client.post(FOLLOWUPS, content=body, headers={"content-type": "application/json"})

    assert_error(response, 422, "invalid_request", "max_citations")


def test_history_of_a_thousand_turns_is_refused(client: TestClient) -> None:
    turns = [{"role": "user", "content": "and then?"}, {"role": "assistant", "content": "see [1]"}] * 500

    response = client.post(FOLLOWUPS, json={**ANSWERED, "history": turns})

    assert_error(response, 422, "invalid_request", "history")


# --- characters in the question ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "code_point"),
    [
        pytest.param("warfarin\x00dose?", "U+0000", id="nul"),
        pytest.param("warfarin \x1b[2Jdose?", "U+001B", id="escape"),
        pytest.param("warfarin \x85 dose?", "U+0085", id="c1-control"),
        pytest.param("warfarin dose for \u202eadults\u202c?", "U+202E", id="right-to-left-override"),
        pytest.param("warfarin dose \u2066for adults\u2069?", "U+2066", id="bidi-isolate"),
    ],
)
def test_control_and_bidi_override_characters_are_refused(client: TestClient, question: str, code_point: str) -> None:
    response = client.post(FOLLOWUPS, json={"question": question})

    error = assert_error(response, 422, "invalid_request", "question")
    assert code_point in error["message"]
    assert_still_answering(client)


def test_lone_surrogate_is_refused(client: TestClient) -> None:
    body = b'{"question": "warfarin dose \\ud800?"}'
    response = client.post(FOLLOWUPS, content=body, headers={"content-type": "application/json"})

    assert_error(response, 422, "invalid_request", "question")


def test_control_character_in_a_history_turn_is_refused(client: TestClient) -> None:
    history = [{"role": "user", "content": "warfarin\x00"}]

    response = client.post(FOLLOWUPS, json={**ANSWERED, "history": history})

    assert_error(response, 422, "invalid_request", "history.0.content")


@pytest.mark.parametrize(
    "question", [" \t\n  ", "\u200b\u200d\ufeff", " \u200b \u2060 "], ids=["whitespace", "zero-width", "mixed"]
)
def test_question_of_only_blank_or_invisible_characters_is_refused(client: TestClient, question: str) -> None:
    response = client.post(FOLLOWUPS, json={"question": question})

    error = assert_error(response, 422, "invalid_request", "question")
    assert "empty" in error["message"]


def test_zero_width_characters_are_stripped_before_answering(client: TestClient) -> None:
    hidden = ANSWERED["question"].replace("anticoagulant", "anti\u200bcoagu\u200dlant").replace(" ", " \ufeff")
    clean = client.post(FOLLOWUPS, json=ANSWERED).json()

    answer = client.post(FOLLOWUPS, json={"question": hidden}).json()

    assert answer["status"] == clean["status"] == "answered"
    assert [c["passage_id"] for c in answer["citations"]] == [c["passage_id"] for c in clean["citations"]]


# --- log forging ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verbose_client(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """The app with question text logged: the case where a forged line could reach the log at all."""
    verbose = settings.model_copy(update={"service": settings.service.model_copy(update={"log_text": True})})
    with TestClient(create_app(verbose, embedder=embedder)) as client:
        yield client


FORGED = '{"level": "info", "logger": "vademecum.access", "message": "request", "forged": true}'


def test_question_cannot_forge_an_access_log_line(verbose_client: TestClient) -> None:
    questions = [f"dose?\n{FORGED}", f"dose?\r\n{FORGED}", f"dose?\u2028{FORGED}", f"dose?\\n{FORGED}"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    ACCESS.addHandler(handler)
    try:
        for question in questions:
            verbose_client.post(FOLLOWUPS, json={"question": question})
    finally:
        ACCESS.removeHandler(handler)

    lines = stream.getvalue().splitlines()
    assert len(lines) == len(questions)
    records = [json.loads(line) for line in lines]
    assert [r["question"] for r in records] == questions
    assert not any("forged" in r for r in records)


# --- article ids ---------------------------------------------------------------------------------------


class FileOpens:
    """Paths opened by this process while watching (an audit hook: sees every `open`, in every thread)."""

    def __init__(self) -> None:
        self.watching = False
        self.paths: list[str] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.watching and event == "open" and args and isinstance(args[0], str | bytes):
            self.paths.append(str(args[0]))


@pytest.fixture(scope="module")
def file_opens() -> FileOpens:
    return FileOpens()


@pytest.mark.parametrize(
    ("path", "status", "code", "field"),
    [
        pytest.param("..%2F..%2F..%2Fetc%2Fpasswd", 404, "not_found", None, id="encoded-slashes"),
        pytest.param("%2e%2e", 422, "invalid_request", "article_id", id="encoded-dots"),
        pytest.param("passwd%00", 422, "invalid_request", "article_id", id="nul"),
        pytest.param("a" * 10_000, 422, "invalid_request", "article_id", id="10k-chars"),
        pytest.param("etc-passwd", 404, "not_found", None, id="well-formed-unknown"),
    ],
)
def test_hostile_article_id_in_the_path_is_refused_without_file_access(
    client: TestClient, file_opens: FileOpens, path: str, status: int, code: str, field: str | None
) -> None:
    file_opens.paths.clear()
    file_opens.watching = True
    try:
        response = client.get(f"/v1/articles/{path}")
    finally:
        file_opens.watching = False

    assert_error(response, status, code, field)
    assert not [p for p in file_opens.paths if "passwd" in p]
    assert_still_answering(client)


@pytest.mark.parametrize(
    "article_id",
    ["..%2F..%2Fetc%2Fpasswd", "/etc/passwd", "a" * 10_000, "atrial-fibrillation\x00"],
    ids=["url-encoded", "absolute", "10k-chars", "nul"],
)
def test_hostile_article_id_in_the_body_is_refused(client: TestClient, article_id: str) -> None:
    response = client.post(FOLLOWUPS, json={**ANSWERED, "article_id": article_id})

    assert_error(response, 422, "invalid_request", "article_id")
