"""Composers turn retrieved passages into quoted items under headings. The default is extractive and offline.

A composer only chooses and orders passages (or, for a generative one, writes text backed by them);
numbering, references, the disclaimer and the related questions are attached afterwards by
`service.answering` and `service.citations.finalize`, so no composer can drop or invent them.
A generative composer implements the same `stream` method and yields its items as it writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from service.models import DraftItem, Passage, Query


class Composer(Protocol):
    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        """Yield headings (str) and items as they are produced; a generative composer streams here."""
        ...


@dataclass(frozen=True)
class ExtractiveComposer:
    """Quote the passages that answer the question, best first, grouped by the section they come from.

    Passages are quoted exactly as the article states them, never reworded. Only passages that cite a
    reference are quoted: an answer never carries a statement it cannot attribute.
    """

    # A passage is used when its relevance is within this margin of the best one...
    margin: float = 0.12
    # ...and its similarity to the question is at least this.
    min_similarity: float = 0.30
    # With the relevance model's scores: a passage is used when its probability is at least this share of
    # the best one's.
    keep_ratio: float = 0.5

    def select(self, passages: list[Passage], max_citations: int) -> list[Passage]:
        """The passages to quote, the one that answers first.

        Passages ranked by the relevance model (`Passage.rank_score`) are chosen and ordered by it; passages
        without one (the plain baselines) by their cosine relevance. A summary passage counts as citable when
        the body passages that state the same thing lent it their references.
        """
        citable = [p for p in passages if p.reference_numbers and p.similarity >= self.min_similarity]
        if not citable:
            return []
        if all(p.rank_score is not None for p in citable):
            best = max(_score(p) for p in citable)
            chosen = sorted((p for p in citable if _score(p) >= self.keep_ratio * best), key=lambda p: -_score(p))
        else:
            best = max(p.relevance for p in citable)
            chosen = sorted((p for p in citable if p.relevance >= best - self.margin), key=lambda p: -p.relevance)
        # The passage that answers leads; the rest of its article follows, then other articles, each best first.
        lead, rest = chosen[0], chosen[1:]
        rest.sort(key=lambda p: p.chunk.article_id != lead.chunk.article_id)
        return [lead, *rest][:max_citations]

    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        chosen = self.select(passages, max_citations)
        if not chosen:
            return
        direct, rest = chosen[0], chosen[1:]
        yield DraftItem(text=direct.chunk.text, passage=direct)
        sections: dict[tuple[str, str], list[Passage]] = {}
        for passage in rest:
            sections.setdefault((passage.chunk.article_title, passage.chunk.section), []).append(passage)
        several_articles = len({article for article, _ in sections} | {direct.chunk.article_title}) > 1
        for (article_title, section), members in sections.items():
            if len(rest) > 2 or several_articles:
                yield f"{section} ({article_title})" if several_articles else section
            for passage in members:
                yield DraftItem(text=passage.chunk.text, passage=passage)


def _score(passage: Passage) -> float:
    return passage.rank_score if passage.rank_score is not None else passage.relevance
