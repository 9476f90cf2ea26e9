"""The summary passages of the articles retrieval found, for the composer to quote where they answer.

A summary states an article's answer in a few sentences, but as one long passage it sits far from a pointed
question in vector space, so it rarely ranks among the passages retrieved. Retrieval therefore hands over,
beside its ranking, the summary passages of the articles it found, scored as the fusion would have scored
them: by their place among the candidates in the dense and the BM25 ranking. Only passages that cite
something are handed over: those the body's claims back (`ingest.summary_backing`).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import takewhile

from ingest.chunking import SUMMARY_SECTION
from service.handoffs import Passage
from service.retrieval.candidates import CandidateSet
from service.retrieval.filters import passes
from service.retrieval.index import LoadedIndex
from service.schema import Filters

__all__ = ["article_summaries"]


def article_summaries(
    index: LoadedIndex, candidates: CandidateSet, article_ids: Iterable[str], filters: Filters, rrf_k: int
) -> list[Passage]:
    """The cited summary passages of `article_ids` the request's filters let through, in article then reading
    order."""
    chunks = index.chunks
    # The chunker cuts the summary first, so an article's summary rows lead its rows: read until they end.
    rows = [
        row
        for article_id in dict.fromkeys(article_ids)
        for row in takewhile(lambda r: chunks.section(r) == SUMMARY_SECTION, index.article_rows.get(article_id, ()))
    ]
    kept = [row for row in rows if passes(*chunks.filter_fields(row), filters)]
    cited = [(row, chunk) for row in kept if (chunk := chunks[row]).citations]
    if not cited:
        return []
    evidence = candidates.evidence
    passages = []
    for (row, chunk), similarity in zip(cited, index.vectors[[r for r, _ in cited]] @ candidates.vector, strict=True):
        bm25 = float(candidates.bm25[row])
        # Reciprocal rank fusion of the ranks it would hold among the candidates, dense and BM25.
        score = 1.0 / (rrf_k + 1 + int((evidence.dense > similarity).sum()))
        if bm25 > 0:
            score += 1.0 / (rrf_k + 1 + int((evidence.bm25 > bm25).sum()))
        passages.append(Passage(chunk=chunk, similarity=float(similarity), score=score))
    return passages
