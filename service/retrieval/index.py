"""The read side of an index version: everything a request needs, opened once and kept in memory.

A request only embeds its question; passages, their vectors, the BM25 index, the question index,
the articles and the corpus vocabulary were all computed at ingest (or once, here, at load) and are
kept in memory. Passages and articles are kept compactly (`ChunkStore`, `ArticleStore`): a request
reads a few hundred of 87,240 passages and a handful of articles, which are built when it reads them.

Dense search has two paths with the same results. With metadata filters it always asks Chroma, so
the filter is evaluated inside the store (`where`). Without filters, and when the index is small
enough for an exact scan to beat a round trip through Chroma, it is one matrix-vector product over
the passage vectors already in memory: exact, and a fraction of a millisecond for the bundled corpus.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from ingest.bm25 import Bm25Index
from ingest.embedding import Embedder, Vectors, default_model_path
from ingest.layout import DataDir
from ingest.models import Article, Chunk
from ingest.sections import is_question_heading, number_sections
from ingest.settings import ChromaSettings
from ingest.store import make_client, open_collection
from ingest.version import (
    ARTICLES,
    BM25_DIR,
    CHROMA_DIR,
    CHUNKS,
    EMBEDDINGS,
    QUESTION_EMBEDDINGS,
    SECTION_EMBEDDINGS,
    IndexedQuestion,
    Manifest,
    read_jsonl,
    read_manifest,
    read_questions,
    read_vectors,
)
from service.retrieval.article_store import ArticleStore
from service.retrieval.chunk_store import ChunkStore, RowsById
from service.retrieval.passage_vectors import PassageVectors
from service.triage.lexical_checks import TermChecker, model_vocabulary
from service.triage.scope import vocabulary

log = logging.getLogger("vademecum.service")

# Up to this many rows, an unfiltered dense search scans the in-memory vectors instead of asking Chroma:
# below it the scan reads a few MB and wins; above it (MedQuAD) the HNSW index reads far less memory, and
# the passage vectors stay on disk (PassageVectors), read for a request's candidates only.
EXACT_SEARCH_MAX_ROWS = 20_000


class IndexMismatchError(Exception):
    """The index was built with another embedding model than the one configured."""


@dataclass
class LoadedIndex:
    directory: Path
    manifest: Manifest
    articles: ArticleStore
    chunks: ChunkStore
    rows: Mapping[str, int]
    vectors: PassageVectors
    bm25: Bm25Index
    questions: list[IndexedQuestion]
    question_vectors: Vectors
    client: ClientAPI
    passages: Collection
    article_rows: Mapping[str, Sequence[int]]
    # One vector per section heading (ingest.sections) and each passage row's section; None for a version
    # written before section vectors, which still serves (ranking then does without heading similarity).
    section_vectors: Vectors | None = None
    row_sections: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    # The sections whose heading is phrased as a question (a MedQuAD QA pair's own question).
    asked_sections: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # The question collection, for question matching over a large index (None: scan the vectors).
    question_collection: Collection | None = None
    # Normalised words of the corpus: what the scope check counts as known.
    words: frozenset[str] = frozenset()
    # What the corpus can speak about (unknown-term check); None disables the check.
    terms: TermChecker | None = None
    # Each article's title and question, case-folded, for the title match of article search.
    folded_titles: dict[str, str] = field(default_factory=dict)
    exact_search_max_rows: int = EXACT_SEARCH_MAX_ROWS
    chroma_queries: int = field(default=0, compare=False)

    @property
    def version(self) -> str:
        return self.manifest.version

    def dense_search(self, vector: Vectors, k: int, where: dict[str, Any] | None) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the k nearest passages; a filter is evaluated by Chroma itself."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        if where is None and len(self.chunks) <= self.exact_search_max_rows:
            return self.exact_search(vector, k)
        return self.chroma_search(vector, k, where)

    def exact_search(self, vector: Vectors, k: int) -> list[tuple[int, float]]:
        similarities = self.vectors @ vector
        return top_scores(similarities, k)

    def chroma_search(self, vector: Vectors, k: int, where: dict[str, Any] | None) -> list[tuple[int, float]]:
        self.chroma_queries += 1
        result = self.passages.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where, include=["distances"]
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        found = ((self.rows.get(i), 1.0 - float(d)) for i, d in zip(ids, distances, strict=True))
        return [(row, similarity) for row, similarity in found if row is not None]

    def bm25_search(self, text: str, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """(row, score) of the k best BM25 passages with a positive score; `mask` (0/1 per row) filters.

        Scores every passage (a sparse sum over the query's terms) and selects the top k here.
        """
        if not self.chunks:
            return []
        scores = self.bm25.scores(text)
        if mask is not None:
            scores = scores * mask
        return [(row, score) for row, score in top_scores(scores, k) if score > 0]

    def question_search(self, vector: Vectors, k: int) -> list[tuple[int, float]]:
        """(position in `questions`, cosine similarity) of the k questions closest to `vector`."""
        if len(self.questions) <= self.exact_search_max_rows or self.question_collection is None:
            return top_scores(self.question_vectors @ vector, k)
        result = self.question_collection.query(
            query_embeddings=[vector.tolist()], n_results=min(k, len(self.questions)), include=["distances"]
        )
        distances = (result.get("distances") or [[]])[0]
        return [(int(i[1:]), 1.0 - float(d)) for i, d in zip(result["ids"][0], distances, strict=True)]

    def close(self) -> None:
        self.vectors.close()
        close = getattr(self.client, "close", None)
        if callable(close):
            close()


def top_scores(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """(index, score) of the k highest scores, best first, without sorting everything."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        order = part[np.argsort(-scores[part], kind="stable")]
    else:
        order = np.argsort(-scores, kind="stable")
    return [(int(i), float(scores[i])) for i in order]


def open_index(data_dir: DataDir, embedder: Embedder, chroma: ChromaSettings) -> LoadedIndex:
    directory = data_dir.active_version_dir()
    manifest = read_manifest(directory)
    if manifest.model_name != embedder.model_name:
        raise IndexMismatchError(
            f"index {manifest.version} was built with {manifest.model_name}, but the configured model is "
            f"{embedder.model_name}: run `vademecum ingest --rebuild`"
        )
    if manifest.encoder != embedder.encoder:
        # int8 question vectors against fp32 passage vectors would rank passably and wrongly: refuse.
        raise IndexMismatchError(
            f"index {manifest.version} holds {manifest.encoder} vectors, but the configured encoder is "
            f"{embedder.encoder}: run `vademecum ingest` (it re-embeds with the configured encoder)"
        )
    # Streamed into the stores one line at a time: a list of every Chunk first would cost its 245 MB again.
    chunks = ChunkStore(read_jsonl(directory / CHUNKS, Chunk))
    articles = ArticleStore(read_jsonl(directory / ARTICLES, Article))
    questions = read_questions(directory)
    client = make_client(chroma, directory / CHROMA_DIR if chroma.mode == "embedded" else None)
    article_rows = rows_by_article(chunks)
    section_keys, row_sections = number_sections(
        (chunks.article_id(row), chunks.section(row)) for row in range(len(chunks))
    )
    section_path = directory / SECTION_EMBEDDINGS
    section_vectors = read_vectors(section_path) if section_path.exists() else None
    if section_vectors is None:
        log.warning("index %s has no section vectors: run `vademecum ingest` to add them", manifest.version)
    headings = articles.headings
    words = vocabulary(
        chain((chunks.text(row) for row in range(len(chunks))), (f"{t} {q}" for t, q in headings.values()))
    )
    return LoadedIndex(
        directory=directory,
        manifest=manifest,
        articles=articles,
        chunks=chunks,
        rows=RowsById(chunks.ids),
        vectors=(
            PassageVectors.in_memory(directory / EMBEDDINGS)
            if len(chunks) <= EXACT_SEARCH_MAX_ROWS
            else PassageVectors.on_disk(directory / EMBEDDINGS)
        ),
        bm25=Bm25Index(directory / BM25_DIR),
        questions=questions,
        question_vectors=np.ascontiguousarray(read_vectors(directory / QUESTION_EMBEDDINGS), dtype=np.float32),
        client=client,
        passages=open_collection(client, manifest.passages_collection, embedder),
        article_rows=article_rows,
        section_vectors=section_vectors,
        row_sections=row_sections,
        asked_sections=np.array(
            [number for number, (_, heading) in enumerate(section_keys) if is_question_heading(heading)], dtype=np.int64
        ),
        question_collection=(
            open_collection(client, manifest.questions_collection, embedder)
            if len(questions) > EXACT_SEARCH_MAX_ROWS
            else None
        ),
        words=words,
        terms=_term_checker(words, embedder),
        folded_titles={a: f"{title}\n{question}".casefold() for a, (title, question) in headings.items()},
    )


def rows_by_article(chunks: ChunkStore) -> dict[str, Sequence[int]]:
    """Each article's passage rows in order: a range when they are consecutive, as ingest writes them.

    A list of Python ints per article held 3.5 MB over MedQuAD; a range holds nothing per row.
    """
    lists: dict[str, list[int]] = {}
    for row in range(len(chunks)):
        lists.setdefault(chunks.article_id(row), []).append(row)
    return {
        article: range(rows[0], rows[-1] + 1) if rows[-1] - rows[0] + 1 == len(rows) else rows
        for article, rows in lists.items()
    }


def _term_checker(words: frozenset[str], embedder: Embedder) -> TermChecker | None:
    """The unknown-term check needs the model's vocabulary to tell ordinary words from specific terms."""
    common = model_vocabulary(model_directory(embedder))
    return TermChecker.build(words, common) if common else None


def model_directory(embedder: Embedder) -> Path | None:
    """The local directory of the embedding model, when it has one."""
    reference = getattr(embedder, "model_reference", None)
    if isinstance(reference, str) and reference and Path(reference).is_dir():
        return Path(reference)
    if embedder.model_name == "all-MiniLM-L6-v2":
        try:
            return Path(default_model_path())
        except ImportError:
            return None
    return None
