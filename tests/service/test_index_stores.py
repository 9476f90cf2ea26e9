"""The compact stores an opened index keeps: passages by column, articles compressed, passage vectors on disk.

Each store must give back exactly what was put in (callers compare, cite and rank with what they read), built
from the bundled corpus's real articles and chunks and a real `.npy` file written by `ingest.version`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import chunk_article
from ingest.loading import load_inputs
from ingest.models import Article, Chunk
from ingest.version import IndexCorruptError, write_vectors
from service.retrieval.article_store import ArticleStore
from service.retrieval.chunk_store import ChunkStore, RowsById
from service.retrieval.index import rows_by_article
from service.retrieval.passage_vectors import PassageVectors
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_inputs([CORPUS]).articles[:12]


@pytest.fixture(scope="module")
def chunks(articles: list[Article]) -> list[Chunk]:
    return [chunk for article in articles for chunk in chunk_article(article)]


@pytest.fixture
def vectors_file(tmp_path: Path) -> tuple[Path, np.ndarray]:
    matrix = np.random.default_rng(13).standard_normal((40, 8)).astype(np.float32)
    path = tmp_path / "embeddings.npy"
    write_vectors(path, matrix)
    return path, matrix


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


def test_rows_by_id_finds_each_passage_row(chunks: list[Chunk]) -> None:
    rows = RowsById(ChunkStore(chunks).ids)

    assert [rows[c.id] for c in chunks] == list(range(len(chunks)))
    assert len(rows) == len(chunks)
    assert "no-such-article:0000" not in rows
    assert rows.get(7) is None  # type: ignore[call-overload]


class _OneHash(str):
    """An id whose hash every other id shares."""

    def __hash__(self) -> int:
        return 42


def test_rows_by_id_tells_apart_ids_that_share_a_hash() -> None:
    rows = RowsById([_OneHash("a:0000"), _OneHash("b:0000"), _OneHash("c:0000")])

    assert rows[_OneHash("c:0000")] == 2
    assert rows[_OneHash("a:0000")] == 0
    assert _OneHash("d:0000") not in rows


def test_rows_by_article_are_each_articles_rows_in_order(chunks: list[Chunk]) -> None:
    store = ChunkStore(chunks)
    interleaved = ChunkStore([chunks[0], chunks[-1], chunks[1]])

    by_article = rows_by_article(store)

    assert {a: list(r) for a, r in by_article.items()} == {
        a: [row for row, c in enumerate(chunks) if c.article_id == a] for a in {c.article_id for c in chunks}
    }
    assert all(isinstance(r, range) for r in by_article.values())
    assert list(rows_by_article(interleaved)[chunks[0].article_id]) == [0, 2]


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


def test_vectors_on_disk_read_the_rows_asked_for_in_that_order(vectors_file: tuple[Path, np.ndarray]) -> None:
    path, matrix = vectors_file
    vectors = PassageVectors.on_disk(path)
    rows = [7, 3, 4, 5, 39, 0, -1]

    assert np.array_equal(vectors[rows], matrix[rows])
    assert np.array_equal(vectors[np.array(rows)], matrix[rows])
    assert np.array_equal(vectors[12], matrix[12])
    assert vectors[[]].shape == (0, 8)
    vectors.close()


def test_vectors_on_disk_scan_every_row_like_the_matrix(vectors_file: tuple[Path, np.ndarray]) -> None:
    path, matrix = vectors_file
    vectors = PassageVectors.on_disk(path)
    query = matrix[5]

    assert np.allclose(vectors @ query, matrix @ query)
    assert len(vectors) == 40
    vectors.close()


def test_vectors_on_disk_refuse_a_row_out_of_range(vectors_file: tuple[Path, np.ndarray]) -> None:
    vectors = PassageVectors.on_disk(vectors_file[0])

    with pytest.raises(IndexError):
        vectors[[3, 40]]
    vectors.close()


def test_vectors_on_disk_stay_readable_after_the_file_is_removed(vectors_file: tuple[Path, np.ndarray]) -> None:
    path, matrix = vectors_file
    vectors = PassageVectors.on_disk(path)
    path.unlink()  # a version pruned while still served

    assert np.array_equal(vectors[[1, 2]], matrix[[1, 2]])
    vectors.close()


def test_vectors_in_memory_give_the_same_rows_and_scan(vectors_file: tuple[Path, np.ndarray]) -> None:
    path, matrix = vectors_file
    vectors = PassageVectors.in_memory(path)

    assert vectors.resident
    assert np.array_equal(vectors[[4, 1]], matrix[[4, 1]])
    assert np.allclose(vectors @ matrix[0], matrix @ matrix[0])


def test_vectors_of_a_truncated_file_are_a_corrupt_index(vectors_file: tuple[Path, np.ndarray]) -> None:
    path, _ = vectors_file
    path.write_bytes(path.read_bytes()[:200])

    with pytest.raises(IndexCorruptError):
        PassageVectors.on_disk(path)
