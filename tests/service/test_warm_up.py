"""A version is warmed before it is served (service.runtime.state.warm_up): the first user pays for nothing."""

from __future__ import annotations

from dataclasses import replace

from ingest.embedding import Embedder
from service.answering.pipeline import AnswerService
from service.retrieval.index import LoadedIndex
from service.retrieval.retriever import Retriever
from service.runtime.state import warm_up


def test_warm_up_searches_the_vector_store_once(index: LoadedIndex, embedder: Embedder) -> None:
    # Searched through Chroma as a MedQuAD-sized index is, whose HNSW graph loads at the first search.
    large = replace(index, exact_search_max_rows=0, chroma_queries=0)
    service = AnswerService(large, Retriever(large, embedder))

    warm_up(service, large)

    assert large.chroma_queries == 1
