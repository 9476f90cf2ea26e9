"""Citation numbering per answer, checked over arbitrary retrieval results (hypothesis).

Articles with overlapping reference lists (the same work under different numbers, spelled with other
case and spacing, sometimes with and sometimes without a DOI) are chunked by the real chunker; a
retriever returns an arbitrary subset of their passages in arbitrary order with arbitrary scores; the
answer must then satisfy, whatever the composer chose:

- every [n] in the text has reference n, every listed reference is cited, numbered 1..N by first use;
- each distinct work (title, source, year) is listed once;
- every listed reference is one of the cited passages' own references: nothing is fabricated;
- every quote is the passage exactly as indexed.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_article
from ingest.embedding import Vectors
from ingest.models import Article, Chunk, Reference, ReferenceType, SourceFormat
from service.answering.citations import CitationBook, UnknownPassageError, consistency_problems
from service.answering.pipeline import AnswerPolicy, AnswerService
from service.handoffs import DraftItem, Passage, Query
from service.retrieval.retriever import Retrieval
from service.schema import AnswerStatus, FollowupRequest
from service.triage.lexical_checks import TermChecker

WORKS = [
    ("ESC Guidelines for atrial fibrillation", "European Society of Cardiology", 2024),
    ("Sepsis: recognition and early management", "NICE", 2024),
    ("Dabigatran versus warfarin", "New England Journal of Medicine", 2013),
    ("Emergency treatment of anaphylaxis", "Resuscitation Council UK", 2021),
    ("Emergency treatment of anaphylaxis", "Resuscitation Council UK", 2008),
    ("Hyperkalaemia in adults", "UK Kidney Association", 2020),
]
TEXT = st.text(alphabet=string.ascii_letters + string.digits + " []*_`\\().,;:-", min_size=1, max_size=60).filter(
    lambda t: t.strip() != ""
)


def _spelling(draw: st.DrawFn, text: str) -> str:
    """The same title or source as another article may write it: other case, extra spaces."""
    variant = draw(st.sampled_from([text, text.upper(), text.lower(), f" {text}  ", text.replace(" ", "  ")]))
    return variant


@st.composite
def articles(draw: st.DrawFn) -> list[Article]:
    count = draw(st.integers(min_value=1, max_value=4))
    result = []
    for a in range(count):
        works = draw(st.lists(st.sampled_from(WORKS), min_size=1, max_size=5))
        numbers = draw(st.permutations(range(1, len(works) + 1)))
        references = [
            Reference(
                n=n,
                type=draw(st.sampled_from(list(ReferenceType))),
                title=_spelling(draw, title),
                source=_spelling(draw, source),
                year=year,
                doi=draw(st.one_of(st.none(), st.just(f"10.1000/{abs(hash(title)) % 997}"))),
            )
            for n, (title, source, year) in zip(numbers, works, strict=True)
        ]
        claims = draw(
            st.lists(
                st.tuples(TEXT, st.lists(st.sampled_from(numbers), max_size=3, unique=True)), min_size=1, max_size=6
            )
        )
        result.append(
            Article.model_validate(
                {
                    "id": f"article-{a}",
                    "question": draw(TEXT),
                    "title": f"Article {a}",
                    "summary": draw(TEXT),
                    "sections": [
                        {"heading": f"Section {s}", "claims": [{"text": t, "citations": c} for t, c in claims[s::2]]}
                        for s in range(min(2, len(claims)))
                    ],
                    "references": references,
                    "specialty": "cardiology",
                    "last_updated": date(2026, 1, 1),
                    "source_format": SourceFormat.NATIVE,
                }
            )
        )
    return result


@dataclass
class FakeIndex:
    """What AnswerService reads from an index, built from the drawn articles."""

    articles: dict[str, Article]
    chunks: list[Chunk]
    rows: dict[str, int] = field(init=False)
    words: frozenset[str] = frozenset()
    terms: TermChecker | None = None
    version: str = "test"

    def __post_init__(self) -> None:
        self.rows = {c.id: i for i, c in enumerate(self.chunks)}


@dataclass
class FixedRetriever:
    passages: list[Passage]

    def embed_question(self, question: str) -> Vectors:
        return np.zeros(3, dtype=np.float32)

    def retrieve(self, query: Query, *, question_vector: Vectors | None = None) -> Retrieval:
        return Retrieval(passages=self.passages, question_matches=[], query_vector=np.zeros(3, dtype=np.float32))


@dataclass
class ShuffledComposer:
    """A composer that quotes passages in any order, with repeats and headings: numbering must survive it."""

    order: list[int]
    headings: list[bool]

    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        headings = self.headings + [False] * len(self.order)
        for position, (i, heading) in enumerate(zip(self.order, headings, strict=False)):
            if heading:
                yield f"Heading [{position}]"
            passage = passages[i % len(passages)]
            yield DraftItem(text=passage.chunk.text, passage=passage)


@st.composite
def retrievals(draw: st.DrawFn) -> tuple[FakeIndex, list[Passage]]:
    drawn = draw(articles())
    chunks = [chunk for article in drawn for chunk in chunk_article(article)]
    index = FakeIndex(articles={a.id: a for a in drawn}, chunks=chunks)
    picked = draw(st.lists(st.sampled_from(chunks), min_size=1, max_size=12))
    similarity = st.floats(min_value=-1, max_value=1, allow_nan=False)
    passages = [Passage(chunk=c, similarity=draw(similarity), score=draw(similarity)) for c in picked]
    return index, passages


class AnyEvidence:
    """Evidence checks that find every passage fitting: numbering is tested here, not abstention."""

    def fitting_group(self, question: str, passages: Sequence[Passage]) -> list[Passage] | None:
        return None

    def fitting_subtype(self, question: str, passages: Sequence[Passage]) -> list[Passage] | None:
        return None

    def topic_left_behind(self, question: str, left: str, kept: Iterable[str]) -> list[str]:
        return []

    def unaddressed(self, question: str, evidence: Sequence[Passage], reading: str | None) -> list[str]:
        return []

    def supported(self, question: str, passages: Sequence[Passage]) -> bool:
        return False

    def spelt_out(self, question: str, passages: Sequence[Passage]) -> str:
        return question


def answer_for(index: FakeIndex, passages: list[Passage], composer: Any = None, max_citations: int = 20) -> Any:
    service = AnswerService(
        index,
        FixedRetriever(passages),
        composer=composer,
        policy=AnswerPolicy(abstain_below=-2.0),
        evidence=AnyEvidence(),
    )
    request = FollowupRequest(question="What is the dose of it in atrial fibrillation?", max_citations=max_citations)
    return service.answer(request, "r")


def identity(title: str, source: str, year: int | None) -> tuple[str, str, int | None]:
    return (" ".join(title.split()).casefold(), " ".join(source.split()).casefold(), year)


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(retrievals(), st.integers(min_value=1, max_value=20))
def test_markers_and_references_match_for_any_retrieval(drawn: tuple[FakeIndex, list[Passage]], limit: int) -> None:
    index, passages = drawn

    answer = answer_for(index, passages, max_citations=limit)

    assert consistency_problems(answer) == []


@PROPERTY
@given(retrievals(), st.lists(st.integers(min_value=0, max_value=50), max_size=15), st.lists(st.booleans()))
def test_markers_and_references_match_for_any_composition(
    drawn: tuple[FakeIndex, list[Passage]], order: list[int], headings: list[bool]
) -> None:
    index, passages = drawn

    answer = answer_for(index, passages, composer=ShuffledComposer(order, headings))

    assert consistency_problems(answer) == []


@PROPERTY
@given(retrievals(), st.lists(st.integers(min_value=0, max_value=50), max_size=15))
def test_references_are_never_fabricated(drawn: tuple[FakeIndex, list[Passage]], order: list[int]) -> None:
    index, passages = drawn

    answer = answer_for(index, passages, composer=ShuffledComposer(order, []))

    for citation in answer.citations:
        chunk = index.chunks[index.rows[citation.passage_id]]
        assert citation.quote == chunk.text
        article = index.articles[chunk.article_id]
        own = {identity(r.title, r.source, r.year) for r in (article.reference(n) for n in chunk.citations)}
        assert {identity(r.title, r.source, r.year) for r in citation.references} == own
    cited = {identity(r.title, r.source, r.year) for c in answer.citations for r in c.references}
    assert {identity(r.title, r.source, r.year) for r in answer.references} == cited


@PROPERTY
@given(retrievals())
def test_each_work_is_listed_once(drawn: tuple[FakeIndex, list[Passage]]) -> None:
    index, passages = drawn

    answer = answer_for(index, passages, composer=ShuffledComposer(list(range(len(passages))), []))

    works = [identity(r.title, r.source, r.year) for r in answer.references]
    assert len(works) == len(set(works))
    expected = {
        identity(r.title, r.source, r.year)
        for p in passages
        for r in (index.articles[p.chunk.article_id].reference(n) for n in p.chunk.citations)
    }
    assert set(works) == expected


def test_same_work_from_two_articles_keeps_the_known_doi() -> None:
    with_doi = Reference(n=1, type=ReferenceType.GUIDELINE, title="Sepsis", source="NICE", year=2024, doi="10.1/x")
    without = Reference(n=3, type=ReferenceType.GUIDELINE, title="SEPSIS", source=" nice ", year=2024)
    first, second = (
        Article.model_validate(
            {
                "id": f"a-{i}",
                "question": "q",
                "title": "t",
                "summary": "s",
                "sections": [{"heading": "h", "claims": [{"text": f"claim {i}", "citations": [ref.n]}]}],
                "references": [ref],
                "specialty": "x",
                "source_format": SourceFormat.NATIVE,
            }
        )
        for i, ref in enumerate([without, with_doi])
    )
    book = CitationBook({first.id: first, second.id: second})
    for article in (first, second):
        chunk = next(c for c in chunk_article(article) if c.citations)
        book.cite(DraftItem(text=chunk.text, passage=Passage(chunk=chunk, similarity=1, score=1)))

    assert len(book.references) == 1
    assert book.references[0].doi == "10.1/x"
    assert [c.reference_numbers for c in book.citations] == [[1], [1]]


def test_brackets_in_quoted_text_are_not_markers() -> None:
    article = Article.model_validate(
        {
            "id": "brackets",
            "question": "q",
            "title": "t",
            "summary": "s",
            "sections": [{"heading": "h", "claims": [{"text": "Give 5 mg [2] *now* \\[3]", "citations": [1]}]}],
            "references": [{"n": 1, "type": "review", "title": "A review", "source": "J", "year": 2020}],
            "specialty": "x",
            "source_format": SourceFormat.NATIVE,
        }
    )
    chunk = next(c for c in chunk_article(article) if c.citations)
    index = FakeIndex(articles={article.id: article}, chunks=chunk_article(article))

    answer = answer_for(index, [Passage(chunk=chunk, similarity=0.9, score=1)])

    assert answer.status is AnswerStatus.ANSWERED
    assert consistency_problems(answer) == []
    assert [r.n for r in answer.references] == [1]


def test_a_passage_not_in_the_index_is_refused() -> None:
    article = Article.model_validate(
        {
            "id": "real",
            "question": "q",
            "title": "t",
            "summary": "s",
            "sections": [{"heading": "h", "claims": [{"text": "A real claim", "citations": [1]}]}],
            "references": [{"n": 1, "type": "review", "title": "A review", "source": "J", "year": 2020}],
            "specialty": "x",
            "source_format": SourceFormat.NATIVE,
        }
    )
    real = next(c for c in chunk_article(article) if c.citations)
    forged = real.model_copy(update={"text": "Aspirin cures cancer"})
    index = FakeIndex(articles={article.id: article}, chunks=[real])
    book = CitationBook(index.articles, known=lambda c: index.rows.get(c.id) is not None and index.chunks[0] == c)

    with pytest.raises(UnknownPassageError):
        book.cite(DraftItem(text=forged.text, passage=Passage(chunk=forged, similarity=1, score=1)))
    assert book.references == []
