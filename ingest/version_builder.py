"""Build one complete index version in a build directory: chunks, embeddings, BM25, Chroma, manifest.

Embeddings are reused from the previous version wherever the embedded text is identical, so an
unchanged article costs no model time and a changed one only pays for the passages that changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ingest.bm25 import build_bm25
from ingest.chunking import CHUNKER_VERSION, chunk_article, embedding_key
from ingest.embedding import Embedder, Vectors
from ingest.models import Article, Chunk
from ingest.sections import section_rows, section_text
from ingest.settings import ChromaSettings
from ingest.store import (
    PASSAGES,
    QUESTIONS,
    add_in_batches,
    chunk_metadata,
    close_client,
    collection_name,
    make_client,
    open_collection,
)
from ingest.version import (
    ARTICLES,
    BM25_DIR,
    CHROMA_DIR,
    CHUNKS,
    EMBEDDINGS,
    QUESTION_EMBEDDINGS,
    SECTION_EMBEDDINGS,
    ArticleEntry,
    IndexedQuestion,
    Manifest,
    read_chunks,
    read_questions,
    read_vectors,
    write_jsonl,
    write_manifest,
    write_vectors,
)
from ingest.version import (
    QUESTIONS as QUESTIONS_FILE,
)

Progress = Callable[[str, int, int], None]
EMBED_BATCH = 256


@dataclass
class PreviousIndex:
    directory: Path
    manifest: Manifest
    articles: dict[str, Article]


@dataclass
class BuiltVersion:
    passages_total: int
    passages_embedded: int


class VectorCache:
    """Vectors of the previous version, looked up by the hash of the text that was embedded."""

    def __init__(self, keys: Sequence[str], vectors: Vectors | None) -> None:
        self._rows = {key: row for row, key in enumerate(keys)}
        self._vectors = vectors

    @classmethod
    def empty(cls) -> VectorCache:
        return cls([], None)

    def get(self, key: str) -> Vectors | None:
        row = self._rows.get(key)
        if row is None or self._vectors is None:
            return None
        return np.asarray(self._vectors[row], dtype=np.float32)


class VersionBuilder:
    def __init__(
        self,
        *,
        version: str,
        directory: Path,
        embedder: Embedder,
        chroma: ChromaSettings,
        previous: PreviousIndex | None,
    ) -> None:
        self.version = version
        self.directory = directory
        self.embedder = embedder
        self.chroma = chroma
        self.previous = previous

    def build(self, articles: list[Article], *, inputs_mtime: float, progress: Progress | None = None) -> BuiltVersion:
        self.directory.mkdir(parents=True)
        articles = sorted(articles, key=lambda a: a.id)
        chunks = [chunk for article in articles for chunk in chunk_article(article)]
        questions = indexed_questions(articles)

        passage_cache, question_cache = self._caches()
        vectors, embedded = embed_with_cache(
            self.embedder,
            [c.embed_text for c in chunks],
            [c.content_hash for c in chunks],
            passage_cache,
            lambda done, total: progress("embedding passages", done, total) if progress else None,
        )
        question_vectors, _ = embed_with_cache(
            self.embedder, [q.text for q in questions], [q.embedding_key for q in questions], question_cache, None
        )
        titles = {a.id: a.title for a in articles}
        section_texts = [section_text(titles[article_id], heading) for article_id, heading in section_rows(chunks)[0]]
        # Section texts are short questions and headings: the question cache holds many of them already.
        section_vectors, _ = embed_with_cache(
            self.embedder, section_texts, [embedding_key(t) for t in section_texts], question_cache, None
        )

        write_jsonl(self.directory / ARTICLES, articles)
        write_jsonl(self.directory / CHUNKS, chunks)
        write_vectors(self.directory / EMBEDDINGS, vectors)
        write_jsonl(self.directory / QUESTIONS_FILE, questions)
        write_vectors(self.directory / QUESTION_EMBEDDINGS, question_vectors)
        write_vectors(self.directory / SECTION_EMBEDDINGS, section_vectors)
        if progress:
            progress("indexing BM25", 0, 1)
        build_bm25([c.embed_text for c in chunks], self.directory / BM25_DIR)
        passages_name, questions_name = self._write_chroma(chunks, vectors, questions, question_vectors, progress)

        # Counted in one pass: scanning every chunk once per article was quadratic (minutes for MedQuAD).
        passages_per_article = Counter(c.article_id for c in chunks)
        write_manifest(
            self.directory,
            Manifest(
                version=self.version,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                model_name=self.embedder.model_name,
                encoder=self.embedder.encoder,
                dimension=int(vectors.shape[1]) if len(vectors) else self.embedder.dimension,
                chunker_version=CHUNKER_VERSION,
                chroma_mode=self.chroma.mode,
                passages_collection=passages_name,
                questions_collection=questions_name,
                articles={
                    a.id: ArticleEntry(
                        content_hash=a.content_hash,
                        source_format=a.source_format,
                        source_path=a.source_path,
                        passages=passages_per_article[a.id],
                    )
                    for a in articles
                },
                passage_count=len(chunks),
                question_count=len(questions),
                inputs_mtime=inputs_mtime,
            ),
        )
        return BuiltVersion(passages_total=len(chunks), passages_embedded=embedded)

    def _caches(self) -> tuple[VectorCache, VectorCache]:
        if self.previous is None:
            return VectorCache.empty(), VectorCache.empty()
        old = self.previous.directory
        old_chunks = read_chunks(old)
        passages = VectorCache([c.content_hash for c in old_chunks], read_vectors(old / EMBEDDINGS, mmap=True))
        keys = [q.embedding_key for q in read_questions(old)]
        question_vectors = read_vectors(old / QUESTION_EMBEDDINGS, mmap=True)
        if (old / SECTION_EMBEDDINGS).exists():  # section texts share the question cache (both are short texts)
            titles = {c.article_id: c.article_title for c in old_chunks}
            keys += [embedding_key(section_text(titles[a], h)) for a, h in section_rows(old_chunks)[0]]
            question_vectors = np.vstack([question_vectors, read_vectors(old / SECTION_EMBEDDINGS, mmap=True)])
        return passages, VectorCache(keys, question_vectors)

    def _write_chroma(
        self,
        chunks: list[Chunk],
        vectors: Vectors,
        questions: list[IndexedQuestion],
        question_vectors: Vectors,
        progress: Progress | None,
    ) -> tuple[str, str]:
        # Embedded collections live inside the version directory, so their names need no version;
        # on a shared server the version keeps concurrent versions apart.
        suffix = self.version if self.chroma.mode == "http" else "v"
        passages_name = collection_name(PASSAGES, self.embedder.model_name, suffix)
        questions_name = collection_name(QUESTIONS, self.embedder.model_name, suffix)
        persist_dir = self.directory / CHROMA_DIR if self.chroma.mode == "embedded" else None
        client = make_client(self.chroma, persist_dir, create=True)
        try:
            passages = open_collection(client, passages_name, self.embedder, create=True)
            add_in_batches(
                client,
                passages,
                [c.id for c in chunks],
                vectors,
                [c.text for c in chunks],
                [chunk_metadata(c) for c in chunks],
                on_batch=(lambda done: progress("writing Chroma", done, len(chunks))) if progress else None,
            )
            question_collection = open_collection(client, questions_name, self.embedder, create=True)
            add_in_batches(
                client,
                question_collection,
                [f"q{i:06d}" for i in range(len(questions))],
                question_vectors,
                [q.text for q in questions],
                [{"article_id": q.article_id, "listed_in": q.listed_in} for q in questions],
            )
        finally:
            # Releases the embedded database files before the build directory is renamed into place.
            close_client(client)
        return passages_name, questions_name


def indexed_questions(articles: Sequence[Article]) -> list[IndexedQuestion]:
    """Each article's own question, and every related question that names an article in this index."""
    known = {a.id for a in articles}
    questions: list[IndexedQuestion] = []
    seen: set[tuple[str, str]] = set()
    for article in articles:
        candidates = [(article.question, article.id)]
        candidates += [(r.question, r.article_id) for r in article.related_questions if r.article_id in known]
        for text, target in candidates:
            if target is None or (text, target) in seen:
                continue
            seen.add((text, target))
            questions.append(
                IndexedQuestion(text=text, article_id=target, listed_in=article.id, embedding_key=embedding_key(text))
            )
    return questions


def embed_with_cache(
    embedder: Embedder,
    texts: Sequence[str],
    keys: Sequence[str],
    cache: VectorCache,
    on_progress: Callable[[int, int], None] | None,
) -> tuple[Vectors, int]:
    """Vectors for `texts`, taking each from `cache` when present; returns (vectors, how many were embedded)."""
    rows: list[Vectors | None] = [cache.get(key) for key in keys]
    missing = [i for i, row in enumerate(rows) if row is None]
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        for i, vector in zip(batch, embedder.embed_documents([texts[i] for i in batch]), strict=True):
            rows[i] = vector
        if on_progress:
            on_progress(min(start + EMBED_BATCH, len(missing)), len(missing))
    if not rows:
        return np.zeros((0, embedder.dimension), dtype=np.float32), 0
    return np.vstack([r for r in rows if r is not None]).astype(np.float32), len(missing)


def drop_collections(chroma: ChromaSettings, version: str) -> None:
    """Delete a removed version's collections from a Chroma server (embedded ones go with their directory)."""
    if chroma.mode != "http":
        return
    client = make_client(chroma, None)
    for collection in client.list_collections():
        if collection.name.endswith(f"-{version}"):
            client.delete_collection(collection.name)
