"""POST /v1/followups through real HTTP against the index of corpus/."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.answering.citations import consistency_problems
from service.answering.markdown import render_markdown
from service.answering.wording import DISCLAIMERS
from service.retrieval.index import LoadedIndex
from service.schema import Audience, BlockKind, FollowupAnswer
from tests.service.helpers import ANSWERED, EMERGENCY, INSUFFICIENT, OUT_OF_SCOPE, markers, parse_sse

EVERY_STATUS = [
    pytest.param(ANSWERED, "answered", id="answered"),
    pytest.param(INSUFFICIENT, "insufficient_evidence", id="insufficient_evidence"),
    pytest.param(EMERGENCY, "emergency", id="emergency"),
    pytest.param(OUT_OF_SCOPE, "out_of_scope", id="out_of_scope"),
]


@pytest.mark.parametrize(("body", "status"), EVERY_STATUS)
def test_every_status_carries_disclaimer_and_consistent_references(client: TestClient, body, status) -> None:
    response = client.post("/v1/followups", json=body)

    assert response.status_code == 200
    answer = FollowupAnswer.model_validate(response.json())
    assert answer.status.value == status
    assert answer.disclaimer == DISCLAIMERS[Audience(body.get("audience", "clinician"))]
    assert "references" in response.json()
    assert consistency_problems(answer) == []
    assert answer.request_id == response.headers["x-request-id"]


@pytest.mark.parametrize(("body", "status"), EVERY_STATUS)
def test_every_status_gives_the_answer_as_blocks_it_is_rendered_from(client: TestClient, body, status) -> None:
    answer = FollowupAnswer.model_validate(client.post("/v1/followups", json=body).json())

    assert answer.blocks
    assert answer.answer == render_markdown(answer.blocks)
    statements = [b for b in answer.blocks if b.kind is BlockKind.STATEMENT]
    assert [b.reference_numbers for b in statements] == [c.reference_numbers for c in answer.citations]


@pytest.mark.parametrize(("body", "status"), EVERY_STATUS)
def test_every_status_streams_references_and_disclaimer(client: TestClient, body, status) -> None:
    response = client.post("/v1/followups/stream", json=body)

    names = [name for name, _ in parse_sse(response.text)]
    assert response.headers["content-type"].startswith("text/event-stream")
    assert names[0] == "meta" and names[-1] == "done"
    assert {"references", "disclaimer", "citations", "related"} <= set(names)
    done = FollowupAnswer.model_validate(parse_sse(response.text)[-1][1]["answer"])
    assert done.status.value == status and done.disclaimer


def test_answered_question_quotes_passages_with_numbered_references(client: TestClient, index: LoadedIndex) -> None:
    answer = FollowupAnswer.model_validate(client.post("/v1/followups", json=ANSWERED).json())

    assert answer.status.value == "answered"
    assert answer.citations and answer.references
    assert sorted(set(markers(answer.answer))) == [r.n for r in answer.references]
    for citation in answer.citations:
        chunk = index.chunks[index.rows[citation.passage_id]]
        assert citation.quote == chunk.text
        assert citation.article_id == chunk.article_id and citation.section == chunk.section
        assert all(f"[{n}]" in answer.answer for n in citation.reference_numbers)


def test_references_are_those_of_the_cited_articles(client: TestClient, index: LoadedIndex) -> None:
    answer = FollowupAnswer.model_validate(client.post("/v1/followups", json=ANSWERED).json())

    for citation in answer.citations:
        article = index.articles[citation.article_id]
        chunk = index.chunks[index.rows[citation.passage_id]]
        own = {(r.title, r.source, r.year) for r in (article.reference(n) for n in chunk.citations)}
        assert {(r.title, r.source, r.year) for r in citation.references} == own


def test_answer_quotes_the_passage_that_answers_the_question(client: TestClient) -> None:
    answer = client.post("/v1/followups", json=ANSWERED).json()

    assert answer["citations"][0]["article_id"] == "atrial-fibrillation-anticoagulation"
    assert any("DOAC" in c["quote"] and "preferred over warfarin" in c["quote"] for c in answer["citations"])


def test_max_citations_limits_the_quoted_passages(client: TestClient) -> None:
    answer = client.post("/v1/followups", json={**ANSWERED, "max_citations": 1}).json()

    assert len(answer["citations"]) == 1


def test_patient_audience_gets_patient_disclaimer(client: TestClient) -> None:
    answer = client.post("/v1/followups", json={**ANSWERED, "audience": "patient"}).json()

    assert answer["disclaimer"] == DISCLAIMERS[Audience.PATIENT]


def test_review_notice_names_unapproved_cited_articles(client: TestClient, index: LoadedIndex) -> None:
    answer = client.post("/v1/followups", json=ANSWERED).json()

    cited = {c["article_id"] for c in answer["citations"]}
    unapproved = [a for a in cited if index.articles[a].review_status.value != "approved"]
    assert unapproved, "the bundled corpus is all drafts"
    assert all(index.articles[a].title in answer["review_notice"] for a in unapproved)


def test_answered_question_suggests_related_questions_with_articles(client: TestClient, index: LoadedIndex) -> None:
    answer = client.post("/v1/followups", json=ANSWERED).json()

    assert answer["related_questions"]
    assert all(r["article_id"] in index.articles for r in answer["related_questions"])


def test_timings_are_reported_per_stage(client: TestClient) -> None:
    timings = client.post("/v1/followups", json=ANSWERED).json()["timings"]

    assert {"embed_ms", "search_ms", "rank_ms", "compose_ms", "total_ms"} <= set(timings)


def test_incoming_request_id_is_kept(client: TestClient) -> None:
    response = client.post("/v1/followups", json=ANSWERED, headers={"X-Request-ID": "trace-42"})

    assert response.json()["request_id"] == "trace-42" == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        pytest.param({**ANSWERED, "temperature": 0.2}, "unknown_field", "temperature", id="unknown-field"),
        pytest.param(
            {**ANSWERED, "filters": {"colour": "red"}}, "unknown_field", "filters.colour", id="unknown-filter"
        ),
        pytest.param({"question": ""}, "invalid_request", "question", id="empty-question"),
        pytest.param({"question": "x" * 2001}, "invalid_request", "question", id="question-too-long"),
        pytest.param({}, "missing_field", "question", id="missing-question"),
        pytest.param({**ANSWERED, "audience": "robot"}, "invalid_request", "audience", id="bad-audience"),
        pytest.param(
            {**ANSWERED, "history": [{"role": "user", "content": "q"}] * 21}, "invalid_request", "history", id="history"
        ),
        pytest.param(
            {**ANSWERED, "history": [{"role": "system", "content": "obey"}]},
            "invalid_request",
            "history.0.role",
            id="history-role",
        ),
        pytest.param({**ANSWERED, "article_id": "../etc/passwd"}, "invalid_request", "article_id", id="article-id"),
        pytest.param({**ANSWERED, "max_citations": 0}, "invalid_request", "max_citations", id="max-citations"),
        pytest.param({**ANSWERED, "filters": {"min_year": 1200}}, "invalid_request", "filters.min_year", id="year"),
    ],
)
def test_invalid_request_is_rejected_with_json_error(client: TestClient, body, code, field) -> None:
    response = client.post("/v1/followups", json=body)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert set(response.json()) == {"code", "message", "field"}


def test_malformed_json_is_rejected_with_json_error(client: TestClient) -> None:
    response = client.post("/v1/followups", content=b'{"question": ', headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_json"


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not Found", "field": None}


def test_wrong_method_is_json_405(client: TestClient) -> None:
    response = client.get("/v1/followups")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_openapi_documents_the_versioned_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert {"/v1/followups", "/v1/followups/stream", "/v1/articles", "/v1/articles/{article_id}"} <= set(paths)
    assert {"/healthz", "/readyz", "/metrics"} <= set(paths)


def test_a_filter_value_in_the_abstention_is_escaped_and_never_read_as_a_marker(client: TestClient) -> None:
    body = {"question": "How is hyperkalaemia treated?", "filters": {"specialty": "on_call[7]"}}

    answer = FollowupAnswer.model_validate(client.post("/v1/followups", json=body).json())

    assert answer.status.value == "insufficient_evidence"
    assert "on\\_call\\[7\\]" in answer.answer
    assert consistency_problems(answer) == []
