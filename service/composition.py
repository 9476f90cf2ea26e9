"""Composers turn retrieved passages into a Draft. The default one is extractive and offline.

A composer only chooses and orders passages (or, for a generative one, writes text backed by them);
numbering, references, the disclaimer and the related questions are attached afterwards by
`service.citations.finalize`, so no composer can drop or invent them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from service.models import Draft, DraftGroup, DraftItem, Passage, Query


class Composer(Protocol):
    def compose(self, query: Query, passages: list[Passage], max_citations: int) -> Draft: ...

    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        """Yield headings (str) and items as they are produced; a generative composer streams here."""
        ...


@dataclass(frozen=True)
class ExtractiveComposer:
    """Quote the passages that answer the question, best first, grouped by the section they come from.

    Passages are quoted exactly as the article states them, never reworded.
    """

    # A passage is used when its similarity is within this margin of the best one...
    margin: float = 0.12
    # ...and at least this similar to the question.
    min_similarity: float = 0.30

    def select(self, passages: list[Passage], max_citations: int) -> list[Passage]:
        citable = [p for p in passages if p.chunk.citations]
        if not citable:
            return []
        best = max(p.similarity for p in citable)
        floor = max(self.min_similarity, best - self.margin)
        chosen = [p for p in citable if p.similarity >= floor]
        # The strongest article leads; passages from other articles follow, each group in rank order.
        lead_article = max(chosen, key=lambda p: p.similarity).chunk.article_id
        chosen.sort(key=lambda p: (p.chunk.article_id != lead_article, -p.similarity))
        return chosen[:max_citations]

    def compose(self, query: Query, passages: list[Passage], max_citations: int) -> Draft:
        lead: list[DraftItem] = []
        groups: list[DraftGroup] = []
        heading: str | None = None
        for piece in self.stream(query, passages, max_citations):
            if isinstance(piece, str):
                heading = piece
                groups.append(DraftGroup(heading=heading, items=[]))
            elif heading is None:
                lead.append(piece)
            else:
                groups[-1].items.append(piece)
        return Draft(lead=lead, groups=groups)

    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        chosen = self.select(passages, max_citations)
        if not chosen:
            return
        direct, rest = chosen[0], chosen[1:]
        yield DraftItem(text=direct.chunk.text, passage=direct)
        sections: dict[tuple[str, str], list[Passage]] = {}
        for passage in rest:
            sections.setdefault((passage.chunk.article_title, passage.chunk.section), []).append(passage)
        several_articles = len({article for article, _ in sections}) > 1
        for (article_title, section), members in sections.items():
            if len(rest) > 2 or several_articles:
                yield f"{section} ({article_title})" if several_articles else section
            for passage in members:
                yield DraftItem(text=passage.chunk.text, passage=passage)
