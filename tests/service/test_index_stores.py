"""The compact stores an opened index keeps: passages by column, articles compressed.

Each store must give back exactly what was put in (callers compare, cite and rank with what they read), built
from the bundled corpus's real articles and chunks.
"""

from __future__ import annotations

import pytest

from ingest.chunking import chunk_article
from ingest.loading import load_inputs
from ingest.models import Article, Chunk
from service.retrieval.article_store import ArticleStore
from service.retrieval.chunk_store import ChunkStore
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_inputs([CORPUS]).articles[:12]


@pytest.fixture(scope="module")
def chunks(articles: list[Article]) -> list[Chunk]:
    return [chunk for article in articles for chunk in chunk_article(article)]


def test_chunk_store_gives_back_every_chunk_equal_in_row_order(chunks: list[Chunk]) -> None:
    store = ChunkStore(chunks)

    assert len(store) == len(chunks)
    assert list(store) == chunks
    assert [store[row] for row in range(len(chunks))] == chunks


def test_chunk_store_indexes_like_a_list(chunks: list[Chunk]) -> None:
    store = ChunkStore(chunks)

    assert store[-1] == chunks[-1]
    assert store[2:5] == chunks[2:5]
    with pytest.raises(IndexError):
        store[len(chunks)]


def test_chunk_store_reads_single_fields_without_building_the_chunk(chunks: list[Chunk]) -> None:
    store = ChunkStore(chunks)

    assert list(store.ids) == [c.id for c in chunks]
    assert [store.article_id(row) for row in range(len(store))] == [c.article_id for c in chunks]
    assert [store.text(row) for row in range(len(store))] == [c.text for c in chunks]


def test_chunk_store_keeps_an_embedding_text_that_does_not_end_with_the_passage(chunks: list[Chunk]) -> None:
    odd = chunks[0].model_copy(update={"embed_text": f"{chunks[0].text} (context after the passage)"})
    unicode = chunks[1].model_copy(update={"text": "Dosis: 5 µg/kg — naïve patients", "embed_text": "Dosis: 5 µg/kg"})

    assert list(ChunkStore([odd, unicode, chunks[2]])) == [odd, unicode, chunks[2]]


def test_chunk_store_of_no_chunks_is_empty() -> None:
    store = ChunkStore([])

    assert len(store) == 0
    assert list(store) == []


def test_article_store_gives_back_every_article_equal_in_order(articles: list[Article]) -> None:
    store = ArticleStore(articles)

    assert list(store) == [a.id for a in articles]
    assert [store[a.id] for a in articles] == articles
    assert len(store) == len(articles)


def test_article_store_answers_unknown_ids_like_a_dict(articles: list[Article]) -> None:
    store = ArticleStore(articles)

    assert "no-such-article" not in store
    assert store.get("no-such-article") is None
    with pytest.raises(KeyError):
        store["no-such-article"]


def test_article_store_keeps_titles_and_questions_at_hand(articles: list[Article]) -> None:
    store = ArticleStore(articles)

    assert store.headings == {a.id: (a.title, a.question) for a in articles}


def test_article_store_builds_an_article_again_only_when_not_recently_read(articles: list[Article]) -> None:
    store = ArticleStore(articles, cached=1)
    first, second = articles[0].id, articles[1].id

    kept = store[first]
    assert store[first] is kept
    store[second]
    rebuilt = store[first]
    assert rebuilt is not kept
    assert rebuilt == kept
