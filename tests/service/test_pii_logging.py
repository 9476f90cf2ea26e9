"""Personal identifiers in a request: answered as the question deserves, and absent from every log line.

The app runs at DEBUG, and every record of every logger is captured (root and the non-propagating
`vademecum` tree) with more than any real handler writes: the JSON line, the raw arguments and every
attribute of the record. None of the identifiers may appear in any of it, on the answer paths, the
stream, article search, and the 422 paths whose invalid body holds the identifiers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.settings import Settings
from service.app import create_app
from service.logs import JsonFormatter

DOB = "14/03/1958"
MRN = "MRN 40417733"
PHONE = "07700 900123"
# A common name is ordinary vocabulary; a rare surname is not: both must be answered alike.
COMMON = f"John Smith (DOB {DOB}, {MRN}, john.smith@example.org, tel {PHONE})"
RARE = f"Margaret Thistlewood (DOB {DOB}, {MRN}, m.thistlewood@example.org, tel {PHONE})"
# What must not be logged, as fragments: a line holding "40417733" or "Thistlewood" leaks even when reformatted.
IDENTIFIERS = ("John Smith", "Margaret", "Thistlewood", DOB, "1958", "40417733", "example.org", PHONE, "900123")

COVERED = f"Can my patient {COMMON} continue metformin at an eGFR of 25?"
COVERED_RARE = f"Can my patient {RARE} continue metformin at an eGFR of 25?"
# Colchicine is nowhere in the corpus: the answer is insufficient evidence, whoever the patient is.
UNCOVERED = f"My patient {RARE} has an acute gout flare: what dose of colchicine?"
# The test's own HTTP client logs each URL it requests: that is the caller's log, not the server's.
CLIENT_LOGGERS = ("httpx", "httpcore")
# Clocks, durations, thread and process ids and the random request id hold arbitrary digits: "1958" turns
# up in a thread id or a timestamp by chance. They carry nothing from the request, so the search skips them.
VOLATILE = ("created", "msecs", "relativeCreated", "thread", "process", "ts", "request_id", "duration_ms", "timings")


class CaptureEverything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_LOGGERS):
            return
        line = {key: value for key, value in json.loads(self.format(record)).items() if key not in VOLATILE}
        attributes = {name: value for name, value in vars(record).items() if name not in VOLATILE}
        if isinstance(attributes.get("fields"), dict):
            attributes["fields"] = {key: value for key, value in attributes["fields"].items() if key not in VOLATILE}
        self.lines.append(f"{json.dumps(line)} {record.args!r} {attributes!r}")

    def leaked(self) -> list[str]:
        text = "\n".join(self.lines).casefold()
        return [identifier for identifier in IDENTIFIERS if identifier.casefold() in text]


@pytest.fixture(scope="module")
def debug_client(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """An app configured to log at DEBUG; the `vademecum` level is put back afterwards for the other tests."""
    package = logging.getLogger("vademecum")
    before = package.level
    debug = settings.model_copy(update={"service": settings.service.model_copy(update={"log_level": "DEBUG"})})
    try:
        with TestClient(create_app(debug, embedder=embedder)) as client:
            yield client
    finally:
        package.setLevel(before)


@pytest.fixture
def all_logs(debug_client: TestClient) -> Iterator[CaptureEverything]:
    handler = CaptureEverything()
    root = logging.getLogger()
    # Loggers that do not propagate never reach the root: give each its own copy of the handler.
    isolated = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    level = root.level
    root.setLevel(logging.DEBUG)
    for logger in [root, *isolated]:
        logger.addHandler(handler)
    try:
        assert logging.getLogger("vademecum.service").isEnabledFor(logging.DEBUG)
        yield handler
    finally:
        for logger in [root, *isolated]:
            logger.removeHandler(handler)
        root.setLevel(level)


def _access_lines(logs: CaptureEverything) -> list[str]:
    return [line for line in logs.lines if '"logger": "vademecum.access"' in line]


@pytest.mark.parametrize(
    ("question", "status"), [(COVERED, "answered"), (UNCOVERED, "insufficient_evidence")], ids=["covered", "gap"]
)
def test_question_with_identifiers_is_answered_as_it_deserves(
    debug_client: TestClient, question: str, status: str
) -> None:
    answer = debug_client.post("/v1/followups", json={"question": question}).json()

    assert answer["status"] == status and answer["disclaimer"]
    assert bool(answer["citations"]) is (status == "answered")


def test_rare_surname_does_not_turn_a_covered_question_into_insufficient_evidence(debug_client: TestClient) -> None:
    answer = debug_client.post("/v1/followups", json={"question": COVERED_RARE}).json()

    assert answer["status"] == "answered"


def test_identifiers_in_questions_stay_out_of_every_log_line_at_debug(
    debug_client: TestClient, all_logs: CaptureEverything
) -> None:
    history = [{"role": "user", "content": f"About {RARE}."}, {"role": "assistant", "content": "Yes."}]
    requests: list[dict[str, Any]] = [
        {"question": COVERED},
        {"question": COVERED_RARE},
        {"question": UNCOVERED},
        {"question": COVERED, "audience": "patient", "history": history},
    ]
    for body in requests:
        assert debug_client.post("/v1/followups", json=body).status_code == 200
    assert debug_client.post("/v1/followups/stream", json={"question": COVERED}).status_code == 200

    assert len(_access_lines(all_logs)) == 5, "the capture must see the real access log"
    assert all_logs.leaked() == []


def test_identifiers_in_an_article_search_stay_out_of_the_log(
    debug_client: TestClient, all_logs: CaptureEverything
) -> None:
    response = debug_client.get("/v1/articles", params={"q": f"metformin {RARE}"})

    assert response.status_code == 200 and len(_access_lines(all_logs)) == 1
    assert all_logs.leaked() == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"question": "Is metformin safe in CKD?", "contact": "m.thistlewood@example.org"}, "unknown_field"),
        ({"question": "Is metformin safe in CKD?", "m.thistlewood@example.org": "Margaret"}, "unknown_field"),
        ({"question": COVERED, "audience": "m.thistlewood@example.org"}, "invalid_request"),
        ({"question": COVERED, "article_id": "m.thistlewood@example.org"}, "invalid_request"),
        ({"question": COVERED + " " * 2000 + "x"}, "invalid_request"),
        ({"question": COVERED, "history": [{"role": "Margaret Thistlewood", "content": RARE}]}, "invalid_request"),
        ({"question": COVERED, "max_citations": MRN}, "invalid_request"),
    ],
    ids=["unknown-field-value", "unknown-field-name", "audience", "article-id", "too-long", "history-role", "number"],
)
def test_identifiers_in_a_rejected_body_stay_out_of_the_log(
    debug_client: TestClient, all_logs: CaptureEverything, body: dict[str, Any], code: str
) -> None:
    response = debug_client.post("/v1/followups", json=body)

    assert response.status_code == 422 and response.json()["code"] == code
    (line,) = _access_lines(all_logs)
    assert f'"error": "{code}"' in line
    assert all_logs.leaked() == []


def test_identifiers_in_malformed_json_stay_out_of_the_log(
    debug_client: TestClient, all_logs: CaptureEverything
) -> None:
    truncated = f'{{"question": "{COVERED}", "note": "{RARE}'

    response = debug_client.post("/v1/followups", content=truncated, headers={"content-type": "application/json"})

    assert response.status_code == 422 and response.json()["code"] == "invalid_json"
    assert len(_access_lines(all_logs)) == 1
    assert all_logs.leaked() == []


class LeakyComposer:
    """A composer whose failure message carries the question, as an upstream model client's error might."""

    def stream(self, query: Any, passages: Any, max_citations: int) -> Iterator[Any]:
        raise RuntimeError(f"upstream model rejected the prompt: {query.question}")


def test_composer_failure_quoting_the_question_does_not_log_it(
    settings: Settings, embedder: Embedder, all_logs: CaptureEverything
) -> None:
    with TestClient(create_app(settings, embedder=embedder, composer=LeakyComposer())) as client:
        # A question that is answered, so the composer runs.
        assert client.post("/v1/followups", json={"question": COVERED}).status_code == 200

    assert all_logs.leaked() == []
