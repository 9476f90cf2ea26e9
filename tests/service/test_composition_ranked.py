"""The composer over passages the relevance model scored: it leads with, and orders by, the model's score."""

from __future__ import annotations

from ingest.chunking import SUMMARY_SECTION
from service.citations import CitationBook, render_item
from service.composition import ExtractiveComposer
from service.index import LoadedIndex
from service.models import DraftItem, Passage, Query
from tests.service.test_composition import passage

QUERY = Query(question="q", text="q")


def ranked(n: int, similarity: float, rank_score: float, **kwargs: object) -> Passage:
    return passage(n, similarity, **kwargs).model_copy(update={"rank_score": rank_score})  # type: ignore[arg-type]


def test_the_passage_ranked_first_leads_although_another_is_closer_by_cosine() -> None:
    passages = [ranked(1, 0.80, 0.30), ranked(2, 0.55, 0.90), ranked(3, 0.70, 0.60)]

    chosen = ExtractiveComposer().select(passages, 5)

    assert [p.chunk.id for p in chosen] == ["a:0002", "a:0003"]


def test_the_rest_follow_in_the_model_order_with_the_lead_article_first() -> None:
    passages = [ranked(1, 0.6, 0.9), ranked(2, 0.6, 0.5, article="b"), ranked(3, 0.6, 0.7), ranked(4, 0.6, 0.8)]

    chosen = ExtractiveComposer().select(passages, 5)

    assert [p.chunk.id for p in chosen] == ["a:0001", "a:0004", "a:0003", "b:0002"]


def test_a_summary_passage_is_quoted_with_the_references_lent_by_the_body(index: LoadedIndex) -> None:
    row = next(r for r, c in enumerate(index.chunks) if c.section == SUMMARY_SECTION)
    chunk = index.chunks[row]
    lent = index.articles[chunk.article_id].references[0].n
    summary = Passage(chunk=chunk, similarity=0.7, score=0.0, rank_score=0.9, attributed_citations=(lent,))
    book = CitationBook(index.articles)

    rendered = render_item(book, DraftItem(text=chunk.text, passage=summary))

    assert rendered.endswith("[1]")
    assert book.citations[0].section == SUMMARY_SECTION
    assert book.references[0].title == index.articles[chunk.article_id].references[0].title


def test_a_summary_passage_nothing_in_the_body_backs_is_never_quoted() -> None:
    unbacked = ranked(1, 0.9, 0.95, section=SUMMARY_SECTION, cites=False)

    chosen = ExtractiveComposer().select([unbacked, ranked(2, 0.6, 0.4)], 5)

    assert [p.chunk.id for p in chosen] == ["a:0002"]
