"""Read an index version the way a reader would: files, BM25 and Chroma, for assertions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chromadb.api.models.Collection import Collection

from ingest.bm25 import Bm25Index
from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.settings import ChromaSettings
from ingest.store import make_client, open_collection
from ingest.version import BM25_DIR, CHROMA_DIR, Manifest, read_chunks, read_manifest


def active_dir(data_dir: DataDir) -> Path:
    return data_dir.active_version_dir()


def manifest(directory: Path) -> Manifest:
    return read_manifest(directory)


def chunk_texts(directory: Path, article_id: str) -> list[str]:
    return [c.text for c in read_chunks(directory) if c.article_id == article_id]


def bm25_hits(directory: Path, query: str) -> list[str]:
    """Article ids of the passages BM25 scores above zero for `query` in this version, best first.

    Through `Bm25Index.scores`, the read path the service ranks with.
    """
    chunks = read_chunks(directory)
    scores = Bm25Index(directory / BM25_DIR).scores(query)
    rows = sorted((row for row in range(len(chunks)) if scores[row] > 0), key=lambda row: -float(scores[row]))
    return [chunks[row].article_id for row in rows]


def bm25_articles(directory: Path, query: str) -> set[str]:
    """Article ids of the passages BM25 finds for `query` in this version."""
    return set(bm25_hits(directory, query))


@contextmanager
def chroma_collection(
    directory: Path, chroma: ChromaSettings, embedder: Embedder, *, questions: bool = False
) -> Iterator[Collection]:
    """The version's passages (or questions) collection, opened as the service opens it."""
    meta = read_manifest(directory)
    client = make_client(chroma, directory / CHROMA_DIR if chroma.mode == "embedded" else None)
    try:
        name = meta.questions_collection if questions else meta.passages_collection
        yield open_collection(client, name, embedder)
    finally:
        client.close()  # type: ignore[attr-defined]


def chroma_documents(directory: Path, chroma: ChromaSettings, embedder: Embedder, article_id: str) -> list[str]:
    with chroma_collection(directory, chroma, embedder) as collection:
        got = collection.get(where={"article_id": article_id}, include=["documents"])
    return sorted(got["documents"] or [])


def chroma_query(directory: Path, chroma: ChromaSettings, embedder: Embedder, text: str) -> dict[str, Any]:
    """Ids and distances of the passages nearest to `text`: equal results mean an untouched version."""
    with chroma_collection(directory, chroma, embedder) as collection:
        result = collection.query(
            query_embeddings=[embedder.embed_query(text).tolist()], n_results=5, include=["distances"]
        )
    return {"ids": result["ids"][0], "distances": [round(d, 5) for d in (result["distances"] or [[]])[0]]}
