"""A version is warmed before it is served (service.runtime.state.warm_up): the first user pays for nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ingest.embedding import Embedder
from service.answering.composition import ExtractiveComposer
from service.answering.pipeline import AnswerService
from service.handoffs import DraftItem, Passage, Query
from service.retrieval.index import LoadedIndex
from service.retrieval.retriever import Retriever
from service.runtime.state import warm_up


def test_warm_up_searches_the_vector_store_once(index: LoadedIndex, embedder: Embedder) -> None:
    # Searched through Chroma as a MedQuAD-sized index is, whose HNSW graph loads at the first search.
    large = replace(index, exact_search_max_rows=0, chroma_queries=0)
    service = AnswerService(large, Retriever(large, embedder))

    warm_up(service, large)

    assert large.chroma_queries == 1


class CountingComposer:
    """The real extractive composer, counting the answers it composes."""

    def __init__(self) -> None:
        self.calls = 0

    def stream(self, query: Query, passages: list[Passage], max_citations: int) -> Iterator[DraftItem | str]:
        self.calls += 1
        yield from ExtractiveComposer().stream(query, passages, max_citations)


def test_warm_up_never_reaches_the_deployments_composer(index: LoadedIndex, embedder: Embedder) -> None:
    # The composer may be a remote model, or a test's composer held until released: only users reach it.
    composer = CountingComposer()
    service = AnswerService(index, Retriever(index, embedder), composer=composer)

    warm_up(service, index)

    assert composer.calls == 0
