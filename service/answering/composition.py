"""Composers turn retrieved passages into quoted items under headings. The default is extractive and offline.

A composer only chooses and orders passages (or, for a generative one, writes text backed by them);
numbering, references, the disclaimer and the related questions are attached afterwards by
`service.answering.pipeline` and `service.answering.citations.finalize`, so no composer can drop or invent them.
A generative composer implements the same `stream` method and yields its items as it writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from ingest.chunking import SUMMARY_SECTION
from service.handoffs import DraftItem, Passage, Query


class Composer(Protocol):
    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        """Yield headings (str) and items as they are produced; a generative composer streams here."""
        ...


@dataclass(frozen=True)
class ExtractiveComposer:
    """Quote the passages that answer the question, best first, grouped by the section they come from.

    Passages are quoted exactly as the article states them, never reworded. Only passages that cite a
    reference are quoted: an answer never carries a statement it cannot attribute. A summary passage cites
    the references of the body claims that back it (`ingest.summary_backing`); it is quoted after the lead.
    """

    # A passage is used when its merit is within this margin of the best one...
    margin: float = 0.12
    # ...and its similarity to the question is at least this.
    min_similarity: float = 0.30
    # How much retrieval's fused score (BM25, dense, question index, as a share of the best) adds to the
    # cosine relevance: the words of the question ("first line", a drug's name) count, not only the vector.
    # Chosen on golden + the devset's tune half (0, 0.15, 0.3, 0.6, 1.2) for the best sum of lead from
    # evidence and must-have coverage; evals/README.md gives the figures.
    retrieval_weight: float = 0.6
    # The lead article's best summary passage (by the same merit) is quoted second, after the lead, when its
    # merit is within this margin of the lead's. It never leads: the claim of the body that answers comes first.
    # Chosen on golden + the devset's tune half (0.1, 0.25, always) for the best must-have coverage; lead
    # from evidence is the same at every value, since the lead does not change.
    summary_margin: float = 0.25

    def merit(self, passage: Passage, best_score: float) -> float:
        """How well a passage answers: its cosine relevance plus its share of retrieval's best fused score."""
        share = passage.score / best_score if best_score > 0 else 0.0
        return passage.relevance + self.retrieval_weight * share

    def select(self, passages: list[Passage], max_citations: int) -> list[Passage]:
        """The passages to quote, in the order to quote them.

        Which ones: those within `margin` of the best merit. In what order: by the relevance model's
        probability when retrieval ranked with it (the same judgment that ordered retrieval), else by
        merit; the model's best passage is always quoted, first.
        """
        quotable = [p for p in passages if p.chunk.citations and p.similarity >= self.min_similarity]
        citable = [p for p in quotable if p.chunk.cited_claim]
        if not citable:
            return []
        best_score = max(p.score for p in citable)
        merits = {id(p): self.merit(p, best_score) for p in citable}
        best = max(merits.values())
        chosen = [p for p in citable if merits[id(p)] >= best - self.margin]
        if all(p.merit is not None for p in citable):
            ranked = max(citable, key=lambda p: p.merit or 0.0)
            if ranked not in chosen:
                chosen.append(ranked)
            order = {id(p): -(p.merit or 0.0) for p in chosen}
        else:
            order = {id(p): -merits[id(p)] for p in chosen}
        # The strongest article leads; passages from other articles follow, each group best first.
        lead_article = min(chosen, key=lambda p: order[id(p)]).chunk.article_id
        chosen.sort(key=lambda p: (p.chunk.article_id != lead_article, order[id(p)]))
        summary = self.summary_for(chosen[0], quotable, best_score)
        if summary is not None:
            chosen.insert(1, summary)
        return chosen[:max_citations]

    def summary_for(self, lead: Passage, quotable: list[Passage], best_score: float) -> Passage | None:
        """The lead article's summary passage that answers as well as the lead nearly does, if there is one."""
        article = lead.chunk.article_id
        summaries = [p for p in quotable if p.chunk.section == SUMMARY_SECTION and p.chunk.article_id == article]
        if not summaries:
            return None
        best = max(summaries, key=lambda p: self.merit(p, best_score))
        if self.merit(best, best_score) < self.merit(lead, best_score) - self.summary_margin:
            return None
        return best

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
