"""The read side of an index version: everything a request needs, opened once and kept in memory.

A request only embeds its question; passages, their vectors, the BM25 index, the question index and
the articles were all computed at ingest and are loaded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from ingest.bm25 import Bm25Index
from ingest.embedding import Embedder, Vectors
from ingest.layout import DataDir
from ingest.models import Article, Chunk
from ingest.settings import ChromaSettings
from ingest.store import close_client, make_client, open_collection
from ingest.version import (
    BM25_DIR,
    CHROMA_DIR,
    EMBEDDINGS,
    QUESTION_EMBEDDINGS,
    IndexedQuestion,
    Manifest,
    read_articles,
    read_chunks,
    read_manifest,
    read_questions,
    read_vectors,
)


class IndexMismatchError(Exception):
    """The index was built with another embedding model than the one configured."""


@dataclass
class LoadedIndex:
    directory: Path
    manifest: Manifest
    articles: dict[str, Article]
    chunks: list[Chunk]
    rows: dict[str, int]
    vectors: Vectors
    bm25: Bm25Index
    questions: list[IndexedQuestion]
    question_vectors: Vectors
    client: ClientAPI
    passages: Collection
    article_rows: dict[str, list[int]]

    @property
    def version(self) -> str:
        return self.manifest.version

    def dense_search(self, vector: Vectors, k: int, where: dict[str, Any] | None) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the k nearest passages, filtered by Chroma itself."""
        k = min(k, len(self.chunks))
        if k == 0:
            return []
        result = self.passages.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where, include=["distances"]
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(self.rows[i], 1.0 - float(d)) for i, d in zip(ids, distances, strict=True) if i in self.rows]

    def close(self) -> None:
        close_client(self.client)


def open_index(data_dir: DataDir, embedder: Embedder, chroma: ChromaSettings) -> LoadedIndex:
    directory = data_dir.active_version_dir()
    manifest = read_manifest(directory)
    if manifest.model_name != embedder.model_name:
        raise IndexMismatchError(
            f"index {manifest.version} was built with {manifest.model_name}, but the configured model is "
            f"{embedder.model_name}: run `vademecum ingest --rebuild`"
        )
    chunks = read_chunks(directory)
    client = make_client(chroma, directory / CHROMA_DIR if chroma.mode == "embedded" else None)
    article_rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        article_rows.setdefault(chunk.article_id, []).append(row)
    return LoadedIndex(
        directory=directory,
        manifest=manifest,
        articles=read_articles(directory),
        chunks=chunks,
        rows={chunk.id: row for row, chunk in enumerate(chunks)},
        vectors=np.ascontiguousarray(read_vectors(directory / EMBEDDINGS)),
        bm25=Bm25Index(directory / BM25_DIR, len(chunks)),
        questions=read_questions(directory),
        question_vectors=read_vectors(directory / QUESTION_EMBEDDINGS),
        client=client,
        passages=open_collection(client, manifest.passages_collection, embedder),
        article_rows=article_rows,
    )
