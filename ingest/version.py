"""What one index version holds on disk, and how to write and read it.

versions/<v>/manifest.json          model, chunker, collections, and every article's content hash
versions/<v>/articles.jsonl         the validated articles (for GET /articles and reference lists)
versions/<v>/chunks.jsonl           passages; row i matches row i of embeddings.npy and of the BM25 index
versions/<v>/embeddings.npy         unit vectors of the passages (also the cache the next run reuses)
versions/<v>/questions.jsonl        article questions and related questions, pointing at an article
versions/<v>/question_embeddings.npy
versions/<v>/bm25/                  bm25s index over the passages
versions/<v>/chroma/                embedded Chroma (absent in server mode)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from ingest.embedding import Vectors
from ingest.models import Article, Chunk, SourceFormat

MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
EMBEDDINGS = "embeddings.npy"
QUESTIONS = "questions.jsonl"
QUESTION_EMBEDDINGS = "question_embeddings.npy"
BM25_DIR = "bm25"
CHROMA_DIR = "chroma"

Model = TypeVar("Model", bound=BaseModel)


class ArticleEntry(BaseModel):
    content_hash: str
    source_format: SourceFormat
    source_path: str | None
    passages: int


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    created_at: str
    model_name: str
    dimension: int
    chunker_version: str
    chroma_mode: str
    passages_collection: str
    questions_collection: str
    articles: dict[str, ArticleEntry]
    passage_count: int
    question_count: int
    # Newest modification time among the inputs, so `serve` can tell the index is older than corpus/.
    inputs_mtime: float = 0.0


class IndexedQuestion(BaseModel):
    """A question the corpus can answer: an article's own question or a related question naming one."""

    model_config = ConfigDict(frozen=True)

    text: str
    article_id: str
    # The article whose related-question list holds it (equal to article_id for an article's own question).
    listed_in: str
    embedding_key: str


def write_jsonl(path: Path, items: Iterable[BaseModel]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(item.model_dump_json())
            handle.write("\n")


def read_jsonl(path: Path, model: type[Model]) -> Iterator[Model]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield model.model_validate_json(line)


def write_vectors(path: Path, vectors: Vectors) -> None:
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)


def read_vectors(path: Path, *, mmap: bool = False) -> Vectors:
    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)  # type: ignore[no-any-return]


def read_manifest(directory: Path) -> Manifest:
    return Manifest.model_validate_json((directory / MANIFEST).read_text(encoding="utf-8"))


def write_manifest(directory: Path, manifest: Manifest) -> None:
    (directory / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")


def read_articles(directory: Path) -> dict[str, Article]:
    return {a.id: a for a in read_jsonl(directory / ARTICLES, Article)}


def read_chunks(directory: Path) -> list[Chunk]:
    return list(read_jsonl(directory / CHUNKS, Chunk))


def read_questions(directory: Path) -> list[IndexedQuestion]:
    return list(read_jsonl(directory / QUESTIONS, IndexedQuestion))


def summary_line(manifest: Manifest) -> str:
    return json.dumps(
        {
            "version": manifest.version,
            "articles": len(manifest.articles),
            "passages": manifest.passage_count,
            "model": manifest.model_name,
        }
    )
