"""The bundled corpus holds to the shape of the sample article page, and every citation in it resolves."""

from __future__ import annotations

from collections import Counter

import pytest

from ingest.layout import DataDir
from ingest.loading import LoadedInputs, load_inputs
from ingest.models import Article, ReviewStatus
from ingest.version import read_articles, read_chunks
from tests.conftest import CORPUS

# The sample page's own question and the eleven related questions it lists each have an article.
SAMPLE_PAGE_ARTICLES = {
    "breast-metastasis-obstruction",
    "imaging-breast-cancer-headache-leg-clumsiness",
    "staging-breast-mass-node-negative",
    "breast-mass-suspected-bone-lung-metastases",
    "cancers-metastasizing-to-lung",
    "breast-mass-excision",
    "severe-burns-inhalation-injury",
    "peg-constipation-ckd",
    "distal-femur-supracondylar-fracture",
    "pregnancy-neuroendocrine-tumour-biliary-obstruction",
    "seizures-elderly-dementia",
    "cre-infection-first-line",
}


@pytest.fixture(scope="module")
def loaded() -> LoadedInputs:
    return load_inputs([CORPUS])


@pytest.fixture(scope="module")
def articles(loaded: LoadedInputs) -> dict[str, Article]:
    return {article.id: article for article in loaded.articles}


def test_every_corpus_file_loads_without_problems(loaded: LoadedInputs) -> None:
    assert [str(issue) for issue in [*loaded.rejected, *loaded.duplicates]] == []
    assert loaded.files == len(loaded.articles)


def test_corpus_has_at_least_forty_articles(articles: dict[str, Article]) -> None:
    assert len(articles) >= 40


def test_sample_page_question_and_its_related_questions_are_covered(articles: dict[str, Article]) -> None:
    assert set(articles) >= SAMPLE_PAGE_ARTICLES
    sample = articles["breast-metastasis-obstruction"]
    linked = {related.article_id for related in sample.related_questions}
    assert SAMPLE_PAGE_ARTICLES - {sample.id} <= linked


def test_file_name_is_the_article_id(articles: dict[str, Article]) -> None:
    for article in articles.values():
        assert article.source_path is not None
        assert article.source_path.endswith(f"/{article.id}.md")


def test_articles_are_drafts_pending_clinical_review(articles: dict[str, Article]) -> None:
    assert {a.review_status for a in articles.values()} == {ReviewStatus.SUBMITTED}


@pytest.mark.parametrize(
    ("what", "measure", "low", "high"),
    [
        ("sections", lambda a: len(a.sections), 3, 6),
        ("references", lambda a: len(a.references), 3, 8),
        # The sample page's own article lists all eleven related questions that page shows.
        ("related questions", lambda a: len(a.related_questions), 4, 11),
        ("tags", lambda a: len(a.tags), 1, 10),
    ],
)
def test_article_shape_matches_the_sample_page(articles: dict[str, Article], what, measure, low, high) -> None:
    outside = {a.id: measure(a) for a in articles.values() if not low <= measure(a) <= high}
    assert outside == {}, f"{what} outside {low}-{high}"


def test_every_bullet_cites_a_reference(articles: dict[str, Article]) -> None:
    uncited = [
        f"{a.id}: {claim.text[:60]}"
        for a in articles.values()
        for s in a.sections
        for claim in s.claims
        if not claim.citations
    ]
    assert uncited == []


def test_every_reference_is_cited_somewhere_in_its_article(articles: dict[str, Article]) -> None:
    unused = {}
    for article in articles.values():
        cited = {n for section in article.sections for claim in section.claims for n in claim.citations}
        missing = sorted(r.n for r in article.references if r.n not in cited)
        if missing:
            unused[article.id] = missing
    assert unused == {}


def test_related_questions_that_name_an_article_resolve(articles: dict[str, Article]) -> None:
    dangling = [
        (a.id, r.article_id)
        for a in articles.values()
        for r in a.related_questions
        if r.article_id and r.article_id not in articles
    ]
    assert dangling == []


def test_most_related_questions_lead_to_a_corpus_article(articles: dict[str, Article]) -> None:
    related = [r for a in articles.values() for r in a.related_questions]
    linked = sum(1 for r in related if r.article_id)
    assert linked / len(related) >= 0.75


def test_corpus_spreads_across_specialties(articles: dict[str, Article]) -> None:
    specialties = Counter(a.specialty for a in articles.values())
    assert len(specialties) >= 10
    assert max(specialties.values()) <= len(articles) // 3


def test_ingested_corpus_resolves_every_citation_of_every_passage(corpus_data_dir: DataDir) -> None:
    directory = corpus_data_dir.active_version_dir()
    indexed = read_articles(directory)
    chunks = read_chunks(directory)
    assert len(indexed) >= 40
    unresolved = [
        (chunk.id, n)
        for chunk in chunks
        for n in chunk.citations
        if n not in {ref.n for ref in indexed[chunk.article_id].references}
    ]
    assert unresolved == []
    cited_passages = [chunk for chunk in chunks if chunk.citations]
    assert len(cited_passages) >= 20 * len(indexed)
