"""Retrieval: follow-ups resolved with their context, filters applied inside the stores, abstention."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.models import ReferenceType
from ingest.sections import is_question_heading
from service.handoffs import Query
from service.retrieval.features import FEATURES
from service.retrieval.filters import chroma_where, chunk_passes
from service.retrieval.index import LoadedIndex
from service.retrieval.retriever import Mode, RetrievalConfig, Retriever
from service.schema import Filters
from tests.service.helpers import INSUFFICIENT, require_articles

AF = "atrial-fibrillation-anticoagulation"
AF_QUESTION = "Which anticoagulant is preferred for non-valvular AF?"


@pytest.fixture(scope="module")
def retriever(app: FastAPI, index: LoadedIndex) -> Retriever:
    service_retriever: Retriever = app.state.service.retriever
    return service_retriever


def test_followup_in_pregnancy_quotes_the_pregnancy_passage_of_the_article_being_read(
    client: TestClient, index: LoadedIndex
) -> None:
    require_articles(index, AF)
    body = {"question": "and in pregnancy?", "article_id": AF, "history": [{"role": "user", "content": AF_QUESTION}]}

    answer = client.post("/v1/followups", json=body).json()

    assert answer["status"] == "answered"
    lead = answer["citations"][0]
    assert lead["article_id"] == AF
    assert "pregnan" in lead["quote"].lower()


def test_followup_resolved_from_the_article_alone(client: TestClient, index: LoadedIndex) -> None:
    require_articles(index, AF)

    answer = client.post("/v1/followups", json={"question": "what about dialysis?", "article_id": AF}).json()

    assert answer["citations"][0]["article_id"] == AF
    assert "dialysis" in answer["citations"][0]["quote"]


def test_followup_on_another_article_stays_on_that_article(client: TestClient, index: LoadedIndex) -> None:
    require_articles(index, "vte-in-pregnancy")
    body = {"question": "and while breastfeeding?", "article_id": "vte-in-pregnancy"}

    answer = client.post("/v1/followups", json=body).json()

    assert answer["citations"][0]["article_id"] == "vte-in-pregnancy"
    assert "breastfeed" in answer["citations"][0]["quote"].lower()


def test_followup_resolved_from_the_previous_turn(client: TestClient, index: LoadedIndex) -> None:
    require_articles(index, "metformin-ckd")
    history = [{"role": "user", "content": "Can a patient with chronic kidney disease keep taking metformin?"}]

    answer = client.post("/v1/followups", json={"question": "and below an eGFR of 30?", "history": history}).json()

    assert answer["status"] == "answered"
    assert answer["citations"][0]["article_id"] == "metformin-ckd"


def test_self_contained_question_is_not_pulled_to_the_article_being_read(
    client: TestClient, index: LoadedIndex
) -> None:
    require_articles(index, AF, "diabetic-ketoacidosis")
    body = {"question": "How is fluid replacement managed in adult diabetic ketoacidosis?", "article_id": AF}

    answer = client.post("/v1/followups", json=body).json()

    assert answer["citations"][0]["article_id"] == "diabetic-ketoacidosis"


def test_specialty_filter_keeps_every_retrieved_passage_in_that_specialty(retriever: Retriever) -> None:
    query = Query(question=AF_QUESTION, text=AF_QUESTION, filters=Filters(specialty="obstetrics"))

    passages = retriever.retrieve(query).passages

    assert passages and all(p.chunk.specialty == "obstetrics" for p in passages)


def test_specialty_filter_is_answered_from_that_specialty(client: TestClient) -> None:
    body = {"question": "How is anticoagulation managed in pregnancy?", "filters": {"specialty": "Obstetrics"}}

    answer = client.post("/v1/followups", json=body).json()

    assert answer["status"] == "answered"
    assert {c["article_id"] for c in answer["citations"]} <= {
        "vte-in-pregnancy",
        "pre-eclampsia",
        "postpartum-haemorrhage",
        "pregnancy-neuroendocrine-tumour-biliary-obstruction",
    }


def test_filtered_dense_search_runs_inside_chroma(index: LoadedIndex, embedder: Embedder) -> None:
    vector = embedder.embed_query(AF_QUESTION)
    before = index.chroma_queries

    hits = index.dense_search(vector, 10, chroma_where(Filters(specialty="obstetrics")))

    assert index.chroma_queries == before + 1
    assert len(hits) == 10, "the store filled k results from the filtered set, not a filtered top-k"
    assert all(index.chunks[row].specialty == "obstetrics" for row, _ in hits)


def test_bm25_mask_and_chroma_where_select_the_same_passages(index: LoadedIndex) -> None:
    filters = Filters(specialty="cardiology", reference_type=ReferenceType.RESEARCH)

    in_chroma = set(index.passages.get(where=chroma_where(filters), include=[])["ids"])

    assert in_chroma == {c.id for c in index.chunks if chunk_passes(c, filters)}
    assert in_chroma


def test_bm25_results_respect_the_filter_mask(retriever: Retriever) -> None:
    query = Query(question=AF_QUESTION, text=AF_QUESTION, filters=Filters(specialty="nephrology"))

    passages = retriever.retrieve(query, mode=Mode.BM25).passages

    assert passages and all(p.chunk.specialty == "nephrology" for p in passages)


def test_summaries_handed_over_respect_the_filters(retriever: Retriever, index: LoadedIndex) -> None:
    require_articles(index, "uncomplicated-uti-women")
    question = "what is first line for uncomplicated UTI in women"
    filters = Filters(min_year=2019)

    filtered = retriever.retrieve(Query(question=question, text=question, filters=filters)).summaries
    unfiltered = retriever.retrieve(Query(question=question, text=question)).summaries

    assert any(not chunk_passes(p.chunk, filters) for p in unfiltered), "the filter has something to remove"
    assert filtered and all(chunk_passes(p.chunk, filters) for p in filtered)


def test_reference_type_filter_keeps_passages_citing_that_type(client: TestClient) -> None:
    body = {**INSUFFICIENT, "question": AF_QUESTION, "filters": {"reference_type": "research"}}

    answer = client.post("/v1/followups", json=body).json()

    assert answer["citations"]
    assert all(any(r["type"] == "research" for r in c["references"]) for c in answer["citations"])


def test_min_year_filter_excludes_older_evidence(client: TestClient) -> None:
    answer = client.post("/v1/followups", json={"question": AF_QUESTION, "filters": {"min_year": 2100}}).json()

    assert answer["status"] == "insufficient_evidence"
    assert "evidence from 2100 on" in answer["answer"]


def test_min_year_filter_keeps_only_passages_citing_evidence_from_that_year_on(client: TestClient) -> None:
    answer = client.post("/v1/followups", json={"question": AF_QUESTION, "filters": {"min_year": 2021}}).json()

    assert answer["citations"]
    for citation in answer["citations"]:
        assert max(r["year"] or 0 for r in citation["references"]) >= 2021, citation["passage_id"]


def test_unfiltered_dense_search_matches_chroma(index: LoadedIndex, embedder: Embedder) -> None:
    vector = embedder.embed_query(AF_QUESTION)

    exact = [row for row, _ in index.exact_search(vector, 5)]
    stored = [row for row, _ in index.chroma_search(vector, 5, None)]

    assert exact == stored


def test_results_are_diversified_across_articles(retriever: Retriever) -> None:
    question = "How should anticoagulation be managed in kidney disease?"

    passages = retriever.retrieve(Query(question=question, text=question)).passages

    assert len({p.chunk.article_id for p in passages}) >= 2


def test_abstention_says_what_was_searched_and_suggests_answerable_questions(
    client: TestClient, index: LoadedIndex
) -> None:
    answer = client.post("/v1/followups", json=INSUFFICIENT).json()

    assert answer["status"] == "insufficient_evidence"
    assert answer["citations"] == [] and answer["references"] == []
    assert f"Searched {len(index.chunks):,} passages from {len(index.articles):,} articles" in answer["answer"]
    assert INSUFFICIENT["question"] in answer["answer"]
    assert answer["related_questions"]
    assert all(r["article_id"] in index.articles for r in answer["related_questions"])


def test_abstains_on_a_term_the_corpus_never_mentions(client: TestClient) -> None:
    answer = client.post("/v1/followups", json={"question": "Does plazomicin work for CRE bloodstream infections?"})

    assert answer.json()["status"] == "insufficient_evidence"
    assert "does not mention \u201cplazomicin\u201d" in answer.json()["answer"]


def test_abstains_when_no_passage_addresses_the_population_asked_about(client: TestClient) -> None:
    question = "Is mechanical thrombectomy recommended for acute ischaemic stroke in children?"

    answer = client.post("/v1/followups", json={"question": question}).json()

    assert answer["status"] == "insufficient_evidence"
    assert "addresses children" in answer["answer"]


def test_markdown_in_the_question_cannot_forge_a_citation(client: TestClient) -> None:
    answer = client.post("/v1/followups", json={"question": "What is the treatment of gout [1]?"}).json()

    assert answer["status"] == "insufficient_evidence"
    assert "[1]" not in answer["answer"].replace("\\[1\\]", "")


def test_large_index_searches_through_chroma_with_the_same_results(index: LoadedIndex, embedder: Embedder) -> None:
    from dataclasses import replace

    from ingest.store import open_collection

    large = replace(
        index,
        exact_search_max_rows=0,
        question_collection=open_collection(index.client, index.manifest.questions_collection, embedder),
    )
    vector = embedder.embed_query(AF_QUESTION)
    before = index.chroma_queries

    assert [r for r, _ in large.dense_search(vector, 5, None)] == [r for r, _ in index.dense_search(vector, 5, None)]
    assert [q for q, _ in large.question_search(vector, 3)] == [q for q, _ in index.question_search(vector, 3)]
    assert large.chroma_queries == before + 1


def test_the_section_whose_heading_asks_the_question_joins_the_candidates(
    retriever: Retriever, index: LoadedIndex
) -> None:
    assert index.section_vectors is not None and len(index.asked_sections)
    asked = set(index.asked_sections.tolist())
    target = next(c for row, c in enumerate(index.chunks) if int(index.row_sections[row]) in asked)
    question = target.section

    candidates = retriever.candidates(Query(question=question, text=question))

    sections = {(c.article_id, c.section) for c in candidates.evidence.chunks}
    assert (target.article_id, target.section) in sections
    assert candidates.features.shape == (len(candidates.rows), len(FEATURES))


def test_with_learned_ranking_passages_carry_the_relevance_models_probability(
    index: LoadedIndex, embedder: Embedder
) -> None:
    learned = Retriever(index, embedder, RetrievalConfig(learned_ranking=True))
    question = "first line antibiotic for uncomplicated cystitis in women"

    passages = learned.retrieve(Query(question=question, text=question)).passages

    assert passages and all(p.merit is not None and 0.0 < p.merit < 1.0 for p in passages)


def test_by_default_passages_are_ordered_by_the_fusion_without_the_model(retriever: Retriever) -> None:
    question = "first line antibiotic for uncomplicated cystitis in women"

    passages = retriever.retrieve(Query(question=question, text=question)).passages

    assert passages and all(p.merit is None for p in passages)
    assert passages[0].score == max(p.score for p in passages)


def test_a_single_ranking_baseline_keeps_its_own_order_without_the_model(retriever: Retriever) -> None:
    question = "first line antibiotic for uncomplicated cystitis in women"

    passages = retriever.retrieve(Query(question=question, text=question), mode=Mode.BM25).passages

    assert passages and all(p.merit is None for p in passages)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_only_headings_phrased_as_questions_are_searched_as_questions(index: LoadedIndex) -> None:
    asked = set(index.asked_sections.tolist())
    headings = {int(index.row_sections[row]): c.section for row, c in enumerate(index.chunks)}

    assert asked and all(is_question_heading(headings[number]) for number in asked)
    assert any(number not in asked for number in headings)


def test_retrieval_hands_over_the_cited_summary_passages_of_the_articles_it_found(
    retriever: Retriever, index: LoadedIndex
) -> None:
    require_articles(index, "sepsis-initial-management")
    question = "how is sepsis treated initially?"

    retrieval = retriever.retrieve(Query(question=question, text=question))

    found = {p.chunk.article_id for p in retrieval.passages}
    assert "sepsis-initial-management" in {p.chunk.article_id for p in retrieval.summaries}
    assert all(p.chunk.section == "Summary" and p.chunk.citations for p in retrieval.summaries)
    assert {p.chunk.article_id for p in retrieval.summaries} <= found
    assert all(p.score > 0 for p in retrieval.summaries)
