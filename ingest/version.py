"""What one index version holds on disk, and how to write and read it.

versions/<v>/manifest.json          model, chunker, collections, and every article's content hash
versions/<v>/articles.jsonl         the validated articles (for GET /articles and reference lists)
versions/<v>/chunks.jsonl           passages; row i matches row i of embeddings.npy and of the BM25 index
versions/<v>/embeddings.npy         unit vectors of the passages (also the cache the next run reuses)
versions/<v>/questions.jsonl        article questions and related questions, pointing at an article
versions/<v>/question_embeddings.npy
versions/<v>/section_embeddings.npy one vector per section heading (ingest.sections), in order of first appearance
versions/<v>/bm25/                  bm25s index over the passages
versions/<v>/chroma/                embedded Chroma (absent in server mode)

Every reader here raises IndexCorruptError, naming the version and the file, when a file is missing,
truncated or not what it should be; `verify_version` checks a whole version that way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from ingest.embedding.base import Vectors
from ingest.models import Article, Chunk, SourceFormat
from ingest.sections import section_rows
from ingest.settings import EncoderKind

MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
EMBEDDINGS = "embeddings.npy"
QUESTIONS = "questions.jsonl"
QUESTION_EMBEDDINGS = "question_embeddings.npy"
SECTION_EMBEDDINGS = "section_embeddings.npy"
BM25_DIR = "bm25"
CHROMA_DIR = "chroma"
CHROMA_DB = "chroma.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"

Model = TypeVar("Model", bound=BaseModel)


class IndexCorruptError(Exception):
    """A file of an index version is missing, truncated or unreadable: the version must be rebuilt.

    One type for every file, so whoever opens an index (the service's readiness, `vademecum index
    status`, an ingest) reports any of them the same way; `version` and `file` say which.
    """

    def __init__(self, version: str, file: str, reason: str) -> None:
        super().__init__(
            f"index version {version} is corrupt: {file}: {reason}; rebuild it with `vademecum ingest --rebuild`"
        )
        self.version = version
        self.file = file
        self.reason = reason


def corrupt(path: Path, reason: str) -> IndexCorruptError:
    """The error for `path`, a file or folder directly inside a version directory."""
    return IndexCorruptError(path.parent.name, path.name, reason)


def describe_error(error: BaseException) -> str:
    """One short line for why a file could not be read (pydantic and numpy errors are long)."""
    if isinstance(error, FileNotFoundError):
        return "missing"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


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
    # How the vectors were computed (ingest.embedding); versions written before encoders had kinds used torch.
    encoder: EncoderKind = "torch"
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
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = model.model_validate_json(line)
                except ValidationError as error:
                    raise corrupt(path, f"line {number}: {describe_error(error)}") from error
                yield item
    except (OSError, UnicodeDecodeError) as error:
        raise corrupt(path, describe_error(error)) from error


def write_vectors(path: Path, vectors: Vectors) -> None:
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)


def read_vectors(path: Path, *, mmap: bool = False) -> Vectors:
    try:
        vectors = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError as error:
        raise corrupt(path, "missing") from error
    except (OSError, ValueError, EOFError) as error:  # numpy reports a truncated file as ValueError or EOFError
        raise corrupt(path, f"not a readable .npy array ({describe_error(error)})") from error
    if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.dtype != np.float32:
        found = f"{getattr(vectors, 'dtype', '?')} {getattr(vectors, 'shape', '')}"
        raise corrupt(path, f"not a 2-d float32 array: {found}")
    return vectors


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValidationError) as error:
        raise corrupt(path, describe_error(error)) from error


def write_manifest(directory: Path, manifest: Manifest) -> None:
    (directory / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")


def read_articles(directory: Path) -> dict[str, Article]:
    return {a.id: a for a in read_jsonl(directory / ARTICLES, Article)}


def read_chunks(directory: Path) -> list[Chunk]:
    return list(read_jsonl(directory / CHUNKS, Chunk))


def read_questions(directory: Path) -> list[IndexedQuestion]:
    return list(read_jsonl(directory / QUESTIONS, IndexedQuestion))


def verify_version(directory: Path) -> Manifest:
    """Check that every file of a version is present and consistent with its manifest; raise IndexCorruptError.

    Chroma is checked only for its database file, never opened: opening embedded Chroma writes to it
    (see ingest.store.make_client), and a check must work on a read-only data directory.
    """
    manifest = read_manifest(directory)
    if manifest.version != directory.name:
        raise corrupt(directory / MANIFEST, f"names version {manifest.version}")
    articles = read_articles(directory)
    if set(articles) != set(manifest.articles):
        listed = len(manifest.articles)
        raise corrupt(directory / ARTICLES, f"holds {len(articles)} articles, the manifest lists {listed}")
    chunks = read_chunks(directory)
    _expect_rows(directory / CHUNKS, len(chunks), manifest.passage_count)
    _expect_shape(directory / EMBEDDINGS, manifest.passage_count, manifest.dimension)
    _expect_rows(directory / QUESTIONS, len(read_questions(directory)), manifest.question_count)
    _expect_shape(directory / QUESTION_EMBEDDINGS, manifest.question_count, manifest.dimension)
    if (directory / SECTION_EMBEDDINGS).exists():  # absent from versions written before section vectors
        _expect_shape(directory / SECTION_EMBEDDINGS, len(section_rows(chunks)[0]), manifest.dimension)
    bm25 = directory / BM25_DIR
    if not bm25.is_dir() or not any(bm25.iterdir()):
        raise corrupt(bm25, "missing")
    if manifest.chroma_mode == "embedded":
        database = directory / CHROMA_DIR / CHROMA_DB
        try:
            with database.open("rb") as handle:
                header = handle.read(len(SQLITE_MAGIC))
        except OSError as error:
            raise corrupt(directory / CHROMA_DIR, f"{CHROMA_DB} {describe_error(error)}") from error
        if header != SQLITE_MAGIC:
            raise corrupt(directory / CHROMA_DIR, f"{CHROMA_DB} is not an SQLite database")
    return manifest


def _expect_rows(path: Path, found: int, expected: int) -> None:
    if found != expected:
        raise corrupt(path, f"holds {found} rows, the manifest says {expected}")


def _expect_shape(path: Path, rows: int, dimension: int) -> None:
    shape = read_vectors(path, mmap=True).shape
    if shape != (rows, dimension):
        raise corrupt(path, f"has shape {shape}, the manifest says {(rows, dimension)}")
