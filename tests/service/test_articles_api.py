"""GET /v1/articles/{id} and GET /v1/articles?q=..."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.retrieval.index import LoadedIndex
from tests.service.helpers import require_articles


def test_article_is_returned_with_references_and_related_questions(client: TestClient, index: LoadedIndex) -> None:
    require_articles(index, "atrial-fibrillation-anticoagulation")

    response = client.get("/v1/articles/atrial-fibrillation-anticoagulation")

    assert response.status_code == 200
    article = response.json()
    assert article["id"] == "atrial-fibrillation-anticoagulation"
    assert article["references"] and all({"n", "type", "title", "source"} <= set(r) for r in article["references"])
    assert article["related_questions"]
    assert article["sections"] and article["summary"]


def test_article_response_hides_the_server_file_path(client: TestClient, index: LoadedIndex) -> None:
    article_id = next(iter(index.articles))

    assert client.get(f"/v1/articles/{article_id}").json()["source_path"] is None


def test_unknown_article_is_json_404(client: TestClient) -> None:
    response = client.get("/v1/articles/no-such-article")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_malformed_article_id_is_422(client: TestClient) -> None:
    response = client.get("/v1/articles/Not_An_Id")

    assert response.status_code == 422
    assert response.json()["field"] == "article_id"


def test_search_ranks_the_matching_article_first(client: TestClient, index: LoadedIndex) -> None:
    require_articles(index, "diabetic-ketoacidosis")

    results = client.get("/v1/articles", params={"q": "insulin for DKA"}).json()["results"]

    assert results[0]["id"] == "diabetic-ketoacidosis"


def test_search_matches_title_words(client: TestClient, index: LoadedIndex) -> None:
    require_articles(index, "tumour-lysis-syndrome")

    results = client.get("/v1/articles", params={"q": "tumour lysis"}).json()["results"]

    assert results[0]["id"] == "tumour-lysis-syndrome"


def test_search_without_query_lists_articles_by_id(client: TestClient, index: LoadedIndex) -> None:
    body = client.get("/v1/articles", params={"limit": 5}).json()

    assert [r["id"] for r in body["results"]] == sorted(index.articles)[:5]


def test_search_limit_is_validated(client: TestClient) -> None:
    response = client.get("/v1/articles", params={"limit": 1000})

    assert response.status_code == 422
    assert response.json()["field"] == "limit"
