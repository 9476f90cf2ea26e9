"""The question encoder the service runs: the model traced once by the writer, loaded by every reader.

`vademecum ingest` saves the traced model (ingest.traced_encoder) into the data directory:

    data/encoders/<model>-<fingerprint>/   encoder.pt, tokenizer.json, encoder.json

The fingerprint hashes the model's files, the sequence length and the torch version, so a changed
model or torch never reuses an old export. A serving process (`serving_embedder`) loads the export
for its configured model with torch and `tokenizers` alone: it never imports sentence-transformers
or transformers, which saves about 250 MB per process and several seconds of start-up. Without an
export (a read-only data directory nobody exported into, a model whose layout is not traced), it
loads the model in-process as before and says so in its log.

Readers only ever read this directory; the export is written to a temporary sibling and renamed
into place, so a reader sees a complete export or none.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import shutil
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.embedding import (
    TRACED_MAX_BATCH,
    Embedder,
    SentenceTransformerEmbedder,
    Vectors,
    default_model_path,
    model_slug,
)
from ingest.layout import DataDir
from ingest.settings import EmbeddingSettings

if TYPE_CHECKING:
    from ingest.traced_encoder import TracedEncoder

log = logging.getLogger("vademecum.embedding")

BUILD_PREFIX = ".build-"
# Bump when the saved files change meaning: older exports are then ignored (and re-exported by ingest).
EXPORT_FORMAT = "1"


class TracedEmbedder:
    """An Embedder over a loaded TracedEncoder: what the service embeds questions with."""

    def __init__(self, encoder: TracedEncoder, model_reference: str) -> None:
        self._encoder = encoder
        self._model_reference = model_reference

    @property
    def model_reference(self) -> str:
        """The configured model (its vocabulary file feeds the service's unknown-term check)."""
        return self._model_reference

    @property
    def model_name(self) -> str:
        return self._encoder.config.model_name

    @property
    def dimension(self) -> int:
        return self._encoder.config.dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """Small batches in one pass; larger ones (an uploaded article) in length-sorted batches."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= TRACED_MAX_BATCH:
            return self._encoder.encode(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), TRACED_MAX_BATCH):
            batch = order[start : start + TRACED_MAX_BATCH]
            vectors[batch] = self._encoder.encode([texts[i] for i in batch])
        return vectors

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self._encoder.encode([text])[0]
        return vector


def export_dir(data_dir: DataDir, model_reference: str, max_seq_length: int) -> Path | None:
    """Where the export of this model belongs (whether or not it is there); None when it cannot have one."""
    key = export_key(model_reference, max_seq_length)
    return data_dir.encoders / key if key is not None else None


def export_key(model_reference: str, max_seq_length: int) -> str | None:
    """The directory name of the export of this model; None when the model is not a local folder.

    Reads and hashes the model's files (under 0.1 s for MiniLM), never imports the model.
    """
    folder = Path(model_reference or default_model_path())
    if not folder.is_dir():
        return None  # a hub name: nothing local to fingerprint, so nothing is exported or looked up
    digest = hashlib.sha256()
    for value in (EXPORT_FORMAT, str(max_seq_length), metadata.version("torch")):
        digest.update(value.encode() + b"\0")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    name = SentenceTransformerEmbedder(model_reference).model_name
    return f"{model_slug(name)}-{digest.hexdigest()[:16]}"


def export_query_encoder(data_dir: DataDir, embedder: SentenceTransformerEmbedder) -> Path | None:
    """Save `embedder`'s traced model for the service, unless it is already saved; where it is, or None.

    None when there is nothing to export (tracing off, a model layout that is not traced, a hub name).
    Raises OSError when the files cannot be written; whatever was written is removed.
    """
    target = export_dir(data_dir, embedder.model_reference, embedder.max_seq_length) if embedder.trace else None
    if target is None:
        return None
    if target.is_dir():
        return target
    encoder = embedder.traced_encoder()
    if encoder is None:
        return None
    data_dir.encoders.mkdir(parents=True, exist_ok=True)
    # An export killed half-way leaves its temporary folder: remove those before writing a new one.
    for leftover in data_dir.encoders.glob(f"{BUILD_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    building = data_dir.encoders / f"{BUILD_PREFIX}{target.name}-{secrets.token_hex(3)}"
    try:
        encoder.save(building)
        building.rename(target)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        if target.is_dir():  # another writer finished the same export first
            return target
        raise
    return target


def load_query_embedder(data_dir: DataDir, settings: EmbeddingSettings) -> TracedEmbedder | None:
    """The exported encoder for these settings, or None (with the reason logged) when there is none to use."""
    directory = export_dir(data_dir, settings.model, settings.max_seq_length) if settings.trace else None
    if directory is None:
        return None
    if not directory.is_dir():
        log.warning(
            "no exported question encoder in %s: loading the model in-process "
            "(`vademecum ingest` exports it; about 250 MB less per process)",
            directory,
        )
        return None
    from ingest.traced_encoder import TracedEncoder

    try:
        encoder = TracedEncoder.load(directory)
    except (OSError, ValueError) as error:
        log.warning("exported question encoder %s unusable (%s): loading the model in-process", directory, error)
        return None
    log.info("question encoder loaded from %s", directory)
    return TracedEmbedder(encoder, settings.model or default_model_path())


def serving_embedder(data_dir: DataDir, settings: EmbeddingSettings) -> Embedder:
    """What a serving process embeds questions with: the export when there is one, else the model itself."""
    return load_query_embedder(data_dir, settings) or SentenceTransformerEmbedder.from_settings(settings)
