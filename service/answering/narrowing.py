"""Narrowing the evidence to what fits whom and what the question asks about.

A question about a population ("in pregnancy"), an age group or sex ("a 3 year old", "in a man") or a form of a
condition ("a lower GI bleed") is answered only from passages that speak of it, or from articles written for it;
when the article that named the question's topic was narrowed away, what is left from other articles is no
evidence either. `Narrower` applies these checks (read by `service.answering.evidence_check`) to a retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from service.answering.views import EvidenceReader, IndexView
from service.handoffs import Passage
from service.retrieval.retriever import Retrieval
from service.triage.lexical_checks import populations

__all__ = ["Narrowed", "Narrower"]


@dataclass(frozen=True)
class Narrowed:
    """The retrieval narrowed to passages that speak of the population, age group and subtype the question names."""

    retrieval: Retrieval
    populations: tuple[str, ...]  # what the question is about that the evidence must speak of


class Narrower:
    def __init__(self, index: IndexView, evidence: EvidenceReader, max_citations: int) -> None:
        self.index = index
        self.evidence = evidence
        self.max_citations = max_citations
        # Whom each article is written for, read from its title and question once.
        self._populations: dict[str, set[str]] = {}

    def narrow(self, question: str, retrieval: Retrieval) -> Narrowed:
        """The retrieval narrowed to what fits the question's population, age group, sex and subtype."""
        found = retrieval
        best = retrieval.best_citable_similarity
        wanted = sorted(populations(question))
        if wanted:
            # A question about a population is answered only from passages that speak about it.
            retrieval = replace(
                retrieval,
                passages=[p for p in retrieval.passages if self._covers(p, wanted)],
                summaries=[p for p in retrieval.summaries if self._covers(p, wanted)],
            )
            best = retrieval.best_citable_similarity
        # Evidence from an article written for another age group or sex (or for non-pregnant women), or on the other
        # form of the thing asked about ("a lower GI bleed" and the upper GI bleeding article), does not answer the
        # question, unless the passage itself speaks of the group or form asked about.
        for fitting_of, label in (
            (self.evidence.fitting_group, "the patient group asked about"),
            (self.evidence.fitting_subtype, "the form of the condition asked about"),
        ):
            fitting = fitting_of(question, retrieval.passages)
            if fitting is not None:
                retrieval = replace(
                    retrieval, passages=fitting, summaries=fitting_of(question, retrieval.summaries) or []
                )
                if retrieval.best_citable_similarity < best:
                    wanted = wanted or [label]
        if self._topic_left_behind(question, found, retrieval):
            # The article on what was asked was for another group or form; the rest is about other things.
            retrieval = replace(retrieval, passages=[], summaries=[])
            wanted = wanted or ["the patient group asked about"]
        return Narrowed(retrieval, tuple(wanted))

    def _topic_left_behind(self, question: str, found: Retrieval, kept: Retrieval) -> bool:
        """The best passage found was narrowed away, and its article's heading names what the question asks about
        while no article kept among the passages to cite does."""
        best = next((p for p in found.passages if p.chunk.cited_claim), None)
        if best is None or any(p.chunk.article_id == best.chunk.article_id for p in kept.passages):
            return False
        citable = [p.chunk.article_id for p in kept.passages if p.chunk.cited_claim][: self.max_citations]
        return bool(self.evidence.topic_left_behind(question, best.chunk.article_id, set(citable)))

    def _covers(self, passage: Passage, wanted: list[str]) -> bool:
        found = populations(passage.chunk.text) | self._article_populations(passage.chunk.article_id)
        return all(population in found for population in wanted)

    def _article_populations(self, article_id: str) -> set[str]:
        cached = self._populations.get(article_id)
        if cached is None:
            article = self.index.articles.get(article_id)
            cached = populations(f"{article.title} {article.question}") if article else set()
            self._populations[article_id] = cached
        return cached
