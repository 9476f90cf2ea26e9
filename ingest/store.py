"""Chroma access: one client factory for embedded and server mode, and the collections of an index version.

Vectors are always computed by our own embedder and passed in; the adapter below exists only so that
Chroma never falls back to its default embedding function (which downloads a model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Embeddable, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaClientSettings

from ingest.chunking import CHUNKER_VERSION
from ingest.embedding import Embedder, model_slug
from ingest.models import Chunk, ReferenceType
from ingest.settings import ChromaSettings

PASSAGES = "passages"
QUESTIONS = "questions"


def make_client(settings: ChromaSettings, persist_dir: Path | None) -> ClientAPI:
    """A Chroma client with telemetry off: embedded in `persist_dir`, or the configured server."""
    client_settings = ChromaClientSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.mode == "http":
        return chromadb.HttpClient(host=settings.host, port=settings.port, ssl=settings.ssl, settings=client_settings)
    if persist_dir is None:
        raise ValueError("embedded Chroma needs a directory")
    return chromadb.PersistentClient(path=str(persist_dir), settings=client_settings)


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


class EmbedderFunction(EmbeddingFunction[Embeddable]):
    """Lets Chroma embed with our model if it ever needs to, instead of its downloading default."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: Embeddable) -> Embeddings:
        # Only text is ever indexed; Chroma's type also admits images, which we never pass.
        return list(self._embedder.embed_documents([str(item) for item in input]))

    @staticmethod
    def name() -> str:
        return "vademecum-embedder"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._embedder.model_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> EmbedderFunction:
        raise NotImplementedError("pass the embedder explicitly when opening a Vademecum collection")

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


def open_collection(client: ClientAPI, name: str, embedder: Embedder, *, create: bool = False) -> Collection:
    function = EmbedderFunction(embedder)
    if create:
        return client.create_collection(name, embedding_function=function, configuration={"hnsw": {"space": "cosine"}})
    return client.get_collection(name, embedding_function=function)


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
