"""Chroma access: one client factory for embedded and server mode, and the collections of an index version.

Vectors are always computed by our own embedder and passed in; the adapter below exists only so that
Chroma never falls back to its default embedding function (which downloads a model).

Embedded Chroma cannot be opened on a read-only filesystem: chromadb 1.5's PersistentClient inserts a row
into its `acquire_write` table every time it opens a database (even with migrations="validate"), so it
fails with SQLite's "attempt to write a readonly database" (chroma-core/chroma#1438 asks for a read-only
client). make_client says so with ChromaReadOnlyError instead; serve a read-only index through a Chroma
server (`VADEMECUM_CHROMA__MODE=http`), whose own volume stays writable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Embeddable, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaClientSettings
from chromadb.errors import ChromaError, NotFoundError
from chromadb.utils.embedding_functions import register_embedding_function
from overrides import overrides

from ingest.chunking import CHUNKER_VERSION
from ingest.embedding import Embedder, model_slug
from ingest.models import Chunk, ReferenceType
from ingest.settings import ChromaSettings
from ingest.version import CHROMA_DB, CHROMA_DIR, IndexCorruptError, corrupt

PASSAGES = "passages"
QUESTIONS = "questions"
# SQLite's words for a database file that is damaged rather than busy or incompatible.
_CORRUPT_DATABASE = ("not a database", "malformed", "no such table")


class ChromaUnavailableError(ChromaError):
    """The configured Chroma server does not answer (http mode).

    A ChromaError, so ingest reports it like any refused write (IndexWriteError, exit 3, active version unchanged)
    and its cleanup of a failed build passes over it; chromadb itself raises a bare ValueError.
    """

    @classmethod
    @overrides  # ChromaError enforces the decorator on every override
    def name(cls) -> str:
        return "ChromaUnavailable"


class ChromaReadOnlyError(Exception):
    """Embedded Chroma cannot open an index version on a read-only filesystem (see the module docstring)."""

    def __init__(self, persist_dir: Path) -> None:
        super().__init__(
            f"embedded Chroma cannot open {persist_dir} read-only: chromadb {chromadb.__version__} writes to "
            f"{CHROMA_DB} every time it opens it (chroma-core/chroma#1438); serve from a writable data directory, "
            "or use a Chroma server (VADEMECUM_CHROMA__MODE=http) for a read-only one"
        )
        self.persist_dir = persist_dir


def make_client(settings: ChromaSettings, persist_dir: Path | None, *, create: bool = False) -> ClientAPI:
    """A Chroma client with telemetry off: embedded in `persist_dir`, or the configured server.

    Without `create`, the embedded database must already exist: a missing or damaged one raises
    IndexCorruptError (PersistentClient would otherwise create an empty one inside a served version).
    """
    client_settings = ChromaClientSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.mode == "http":
        try:
            return chromadb.HttpClient(
                host=settings.host, port=settings.port, ssl=settings.ssl, settings=client_settings
            )
        except ValueError as error:  # chromadb's "Could not connect to a Chroma server. Are you sure it is running?"
            scheme = "https" if settings.ssl else "http"
            raise ChromaUnavailableError(
                f"no Chroma server answers at {scheme}://{settings.host}:{settings.port} ({error}); start it "
                "(`chroma run`) or correct VADEMECUM_CHROMA__HOST / VADEMECUM_CHROMA__PORT"
            ) from error
    if persist_dir is None:
        raise ValueError("embedded Chroma needs a directory")
    if create:
        return chromadb.PersistentClient(path=str(persist_dir), settings=client_settings)
    database = persist_dir / CHROMA_DB
    if not database.is_file():
        raise corrupt(persist_dir, f"{CHROMA_DB} missing" if persist_dir.is_dir() else "missing")
    # Checked first: the error Chroma raises says only "attempt to write a readonly database".
    if not (os.access(persist_dir, os.W_OK) and os.access(database, os.W_OK)):
        raise ChromaReadOnlyError(persist_dir)
    try:
        return chromadb.PersistentClient(path=str(persist_dir), settings=client_settings)
    except ChromaError as error:
        if "readonly database" in str(error):
            raise ChromaReadOnlyError(persist_dir) from error
        if any(words in str(error) for words in _CORRUPT_DATABASE):
            raise corrupt(persist_dir, f"{CHROMA_DB}: {error}") from error
        raise


def close_client(client: ClientAPI) -> None:
    """Release the client's files and connections.

    Chroma 1.5's `ClientAPI` protocol does not declare `close()`, but its clients implement it; an embedded
    client must be closed before its directory is renamed or deleted.
    """
    close = getattr(client, "close", None)
    if callable(close):
        close()


def collection_name(kind: str, model_name: str, version: str) -> str:
    """`passages-all-minilm-l6-v2-c1-<version>`: a model or chunker change can never share a collection."""
    return f"{kind}-{model_slug(model_name)}-{CHUNKER_VERSION}-{version}"[:500]


@register_embedding_function
class EmbedderFunction(EmbeddingFunction[Embeddable]):
    """Lets Chroma embed with our model if it ever needs to, instead of its downloading default.

    Registered under its name, so Chroma can rebuild it from a collection's stored config (see
    `build_from_config`) instead of treating it as a legacy function and warning on every create.
    """

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: Embeddable) -> Embeddings:
        # Only text is ever indexed; Chroma's type also admits images, which we never pass.
        return list(self._embedder.embed_documents([str(item) for item in input]))

    @staticmethod
    def name() -> str:
        return "vademecum-embedder"

    def get_config(self) -> dict[str, Any]:
        return {
            "model": self._embedder.model_name,
            "reference": self._embedder.model_reference,
            "encoder": self._embedder.encoder,
        }

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> EmbedderFunction:
        """The function a stored config names. Vademecum always passes its own embedder when it opens a
        collection; this one loads its model only if Chroma itself is ever asked to embed text."""
        from ingest.embedding import SentenceTransformerEmbedder

        return EmbedderFunction(SentenceTransformerEmbedder(str(config.get("reference") or "")))

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


def open_collection(client: ClientAPI, name: str, embedder: Embedder, *, create: bool = False) -> Collection:
    function = EmbedderFunction(embedder)
    if create:
        return client.create_collection(name, embedding_function=function, configuration={"hnsw": {"space": "cosine"}})
    try:
        return client.get_collection(name, embedding_function=function)
    except NotFoundError as error:
        # A version whose manifest names a collection its store lacks cannot answer: report it as corrupt.
        raise IndexCorruptError(_version_of(client, name), f"{CHROMA_DIR} collection {name}", "missing") from error


def _version_of(client: ClientAPI, collection: str) -> str:
    """The index version a collection belongs to: its directory when embedded, its name's suffix on a server."""
    settings = client.get_settings()
    if settings.is_persistent and settings.persist_directory:
        return Path(settings.persist_directory).parent.name
    return collection.split(f"-{CHUNKER_VERSION}-", 1)[-1]


def chunk_metadata(chunk: Chunk) -> dict[str, str | int | bool]:
    """Flat metadata Chroma can filter on in the store (no None values, no lists)."""
    metadata: dict[str, str | int | bool] = {
        "article_id": chunk.article_id,
        "section": chunk.section,
        "citations": ",".join(str(n) for n in chunk.citations),
        "source_ids": ",".join(chunk.source_ids),
        "review_status": chunk.review_status.value,
        "year": chunk.year or 0,
        "specialty": chunk.specialty,
        "position": chunk.position,
    }
    for ref_type in ReferenceType:
        metadata[reference_flag(ref_type)] = ref_type in chunk.reference_types
    return metadata


def reference_flag(ref_type: ReferenceType) -> str:
    return "ref_" + ref_type.value.replace("-", "_")


def batched(count: int, size: int) -> Iterator[slice]:
    for start in range(0, count, size):
        yield slice(start, min(count, start + size))


def add_in_batches(
    client: ClientAPI,
    collection: Collection,
    ids: Sequence[str],
    embeddings: Any,
    documents: Sequence[str],
    metadatas: Sequence[dict[str, str | int | bool]],
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """Chroma rejects writes above its max batch size; split under it."""
    size = max(1, min(client.get_max_batch_size(), 4096))
    for part in batched(len(ids), size):
        collection.add(
            ids=list(ids[part]),
            embeddings=embeddings[part],
            documents=list(documents[part]),
            metadatas=list(metadatas[part]),  # type: ignore[arg-type]
        )
        if on_batch is not None:
            on_batch(part.stop)
