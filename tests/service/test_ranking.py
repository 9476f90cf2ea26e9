"""The relevance model: the shipped file matches the code, and it ranks what answers over what is merely near."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ingest.chunking import SUMMARY_SECTION
from service.index import LoadedIndex
from service.models import Filters, Query
from service.ranking import DEFAULT_MODEL_PATH, ModelFileError, RelevanceModel
from service.ranking_features import FEATURES
from service.ranking_text import Abbreviations, content_words
from service.retrieval import Retriever
from tests.service.helpers import require_articles

UTI = "uncomplicated-uti-women"


@pytest.fixture(scope="module")
def retriever(app: FastAPI, index: LoadedIndex) -> Retriever:
    service_retriever: Retriever = app.state.service.retriever
    return service_retriever


def test_model_file_lists_the_features_the_code_computes() -> None:
    recorded = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))

    assert tuple(recorded["features"]) == FEATURES
    assert RelevanceModel.load(DEFAULT_MODEL_PATH).fingerprint() == recorded["fingerprint"]


def test_model_trained_on_other_features_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    recorded = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    recorded["features"] = [*recorded["features"][:-1], "something_else"]
    recorded.pop("fingerprint")
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(recorded), encoding="utf-8")

    with pytest.raises(ModelFileError, match="retrain"):
        RelevanceModel.load(path)


def test_first_line_passage_ranks_above_prophylaxis_for_a_first_line_question(
    retriever: Retriever, index: LoadedIndex
) -> None:
    require_articles(index, UTI)
    question = "what is first line for uncomplicated UTI in women"

    passages = retriever.retrieve(Query(question=question, text=question, filters=Filters())).passages

    order = [p.chunk for p in passages if p.chunk.article_id == UTI]
    first_line = next(i for i, c in enumerate(order) if c.section == "First-Line Treatment")
    prophylaxis = next(i for i, c in enumerate(order) if "prophylaxis" in c.text.lower())
    assert first_line < prophylaxis
    assert passages[0].rank_score == max(p.rank_score or 0.0 for p in passages)


def test_answer_leads_with_the_passage_the_model_ranks_first(client: TestClient, index: LoadedIndex) -> None:
    require_articles(index, UTI)

    answer = client.post("/v1/followups", json={"question": "first line antibiotic for uncomplicated UTI in women?"})

    lead = answer.json()["citations"][0]
    assert lead["article_id"] == UTI
    assert any(drug in lead["quote"].lower() for drug in ("nitrofurantoin", "fosfomycin", "trimethoprim"))


def test_quoted_summary_cites_the_references_of_the_body_passages_that_state_it(
    retriever: Retriever, index: LoadedIndex
) -> None:
    require_articles(index, UTI)
    assert retriever.tables is not None
    backed = {
        row: numbers
        for row, numbers in retriever.tables.summary_citations.items()
        if index.chunks[row].article_id == UTI and "first-line" in index.chunks[row].text.lower()
    }

    row, numbers = next(iter(backed.items()))

    article = index.articles[UTI]
    first_line = next(s for s in article.sections if s.heading == "First-Line Treatment")
    assert index.chunks[row].section == SUMMARY_SECTION
    assert set(numbers) <= {n for claim in first_line.claims for n in claim.citations} | {5}
    assert numbers


def test_summary_passage_without_backing_in_the_body_gets_no_references(
    retriever: Retriever, index: LoadedIndex
) -> None:
    assert retriever.tables is not None
    summaries = [r for r, c in enumerate(index.chunks) if c.section == SUMMARY_SECTION]

    unbacked = [r for r in summaries if r not in retriever.tables.summary_citations]

    assert unbacked, "every summary passage was attributed: the backing rule accepts anything"


def test_abbreviation_defined_in_brackets_matches_its_long_form_both_ways(index: LoadedIndex) -> None:
    abbreviations = Abbreviations.mine(index.articles.values())

    assert abbreviations.expand(content_words("LMWH dose")) >= content_words("low molecular weight heparin")
    assert "lmwh" in abbreviations.expand(content_words("low-molecular-weight heparin in pregnancy"))
