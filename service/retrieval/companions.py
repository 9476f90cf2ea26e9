"""Passages handed to the composer beside the ranking, to complete an answer: never weighed for it.

Two kinds, both cited (an answer quotes nothing it cannot attribute):
- the summary passages of the articles found. A summary states an article's answer in a few sentences, but
  as one long passage it sits far from a pointed question in vector space, so it rarely ranks among the
  passages retrieved. Only summary passages the body's claims back cite anything (`ingest.summary_backing`).
- the rest of the sections the ranked passages come from. A guideline section is written as one answer
  (the first-line drugs, then their doses and durations), but retrieval ranks its bullets one by one and
  keeps the ones nearest the question's wording; the composer quotes the rest of the section that leads.

Each is scored as the fusion would have scored it: by the place it would hold among the candidates in the
dense and the BM25 ranking. Companions are marked (`Passage.companion`) so that no decision and no choice of
the lead reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import takewhile

import numpy as np

from ingest.chunking import SUMMARY_SECTION
from service.handoffs import Passage
from service.retrieval.candidates import CandidateSet, SectionRows
from service.retrieval.filters import passes
from service.retrieval.index import LoadedIndex
from service.schema import Filters

__all__ = ["article_summaries", "section_rest"]


def article_summaries(
    index: LoadedIndex, candidates: CandidateSet, article_ids: Iterable[str], filters: Filters, rrf_k: int
) -> list[Passage]:
    """The cited summary passages of `article_ids`, in article then reading order."""
    chunks = index.chunks
    # The chunker cuts the summary first, so an article's summary rows lead its rows: read until they end.
    rows = [
        row
        for article_id in dict.fromkeys(article_ids)
        for row in takewhile(lambda r: chunks.section(r) == SUMMARY_SECTION, index.article_rows.get(article_id, ()))
    ]
    return companions(index, candidates, rows, filters, rrf_k)


def section_rest(
    index: LoadedIndex,
    candidates: CandidateSet,
    sections: SectionRows,
    ranked: Sequence[Passage],
    filters: Filters,
    rrf_k: int,
) -> list[Passage]:
    """The cited passages of the ranked passages' body sections that are not ranked themselves, in reading order."""
    if not len(index.row_sections):
        return []  # a version written before section rows: nothing to complete sections with
    ranked_rows = [index.rows[p.chunk.id] for p in ranked]
    seen = set(ranked_rows)
    rows: list[int] = []
    for section in dict.fromkeys(int(index.row_sections[row]) for row in ranked_rows):
        members = sections.members(section)
        if members and index.chunks.section(members[0]) != SUMMARY_SECTION:
            rows += [row for row in members if row not in seen]
    return companions(index, candidates, rows, filters, rrf_k)


def companions(
    index: LoadedIndex, candidates: CandidateSet, rows: Sequence[int], filters: Filters, rrf_k: int
) -> list[Passage]:
    """The cited passages at `rows` the request's filters let through, each scored by reciprocal rank fusion
    of the ranks it would hold."""
    chunks = index.chunks
    kept = [row for row in rows if passes(*chunks.filter_fields(row), filters)]
    cited = [(row, chunk) for row in kept if (chunk := chunks[row]).citations]
    if not cited:
        return []
    evidence = candidates.evidence
    # The ranks a passage would hold: how many candidates score above it, counted by binary search.
    dense_sorted = np.sort(evidence.dense)
    bm25_sorted = np.sort(evidence.bm25)
    vectors = index.vectors[[row for row, _ in cited]]
    similarities = vectors @ candidates.vector
    # An elliptical follow-up's question alone, as the ranked passages were measured against it too.
    focus = vectors @ candidates.focus if candidates.focus is not None else None
    passages = []
    for i, ((row, chunk), similarity) in enumerate(zip(cited, similarities, strict=True)):
        above = len(dense_sorted) - int(np.searchsorted(dense_sorted, similarity, side="right"))
        score = 1.0 / (rrf_k + 1 + above)
        bm25 = float(candidates.bm25[row])
        if bm25 > 0:
            above = len(bm25_sorted) - int(np.searchsorted(bm25_sorted, bm25, side="right"))
            score += 1.0 / (rrf_k + 1 + above)
        passages.append(
            Passage(
                chunk=chunk,
                similarity=float(similarity),
                score=score,
                focus_similarity=None if focus is None else float(focus[i]),
                companion=True,
            )
        )
    return passages
