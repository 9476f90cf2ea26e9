"""Which encoder a process embeds with: the configured kind, for ingest (which writes the export) and serving.

Ingest (`ingest_embedder`) loads the model, writes and checks its export when it is missing, and embeds with
the export. A serving process (`serving_embedder`) only loads the export that ingest wrote (`ExportedEncoder`):
it needs onnxruntime and tokenizers, never torch. `encoder = "torch"` embeds with the model itself in both, and so
does a model whose layout cannot be exported (`effective_kind` says which applies, without loading it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from ingest.embedding.base import Embedder, EncoderKind, Vectors, model_name_of, resolve_model_reference
from ingest.embedding.export import export_dir, export_encoder, exportable
from ingest.embedding.onnx_encoder import OnnxEmbedder
from ingest.embedding.reference import SentenceTransformerEmbedder
from ingest.layout import DataDir
from ingest.settings import EmbeddingSettings

log = logging.getLogger("vademecum.embedding")


class EncoderMissingError(RuntimeError):
    """A serving process found no export of the configured encoder: ingest has not written it."""


def effective_kind(settings: EmbeddingSettings) -> EncoderKind:
    """The configured encoder, or torch for a model that cannot be exported."""
    if settings.encoder == "torch" or not exportable(settings.model):
        return "torch"
    return settings.encoder


def ingest_embedder(settings: EmbeddingSettings, data_dir: DataDir) -> Embedder:
    """The encoder ingest embeds passages with; writes the export first when it is missing.

    Raises EncoderMismatchError when a new export does not match the model, OSError when it cannot be written.
    """
    reference = SentenceTransformerEmbedder.from_settings(settings)
    kind = effective_kind(settings)
    if kind == "torch":
        if settings.encoder != "torch":
            log.warning("model %s cannot be exported to ONNX: embedding with sentence-transformers", settings.model)
        return reference
    directory = export_encoder(data_dir, reference, kind)
    return OnnxEmbedder.load(directory, reference.model_reference, settings.threads)


def serving_embedder(data_dir: DataDir, settings: EmbeddingSettings, threads: int = 1) -> Embedder:
    """The encoder a serving process embeds questions with: the export ingest wrote, loaded without torch.

    `threads` is how many cores one call may use (OnnxEmbedder.load); requests already run in parallel
    threads, so one each serves concurrency best. The export is loaded at first use (`ExportedEncoder`), so
    a server may start before the first ingest has written it.
    """
    kind = effective_kind(settings)
    if kind == "torch":
        return SentenceTransformerEmbedder.from_settings(settings)
    directory = export_dir(data_dir, settings.model, settings.max_seq_length, kind)
    return ExportedEncoder(directory, resolve_model_reference(settings.model), kind, threads)


class ExportedEncoder:
    """An `OnnxEmbedder` loaded from its export folder at first use.

    Its names are known without loading (the index check needs only those); anything that needs the model
    (`dimension`, embedding) loads it, raising EncoderMissingError while the folder is not there and
    EncoderUnavailableError when it is damaged, so a server that starts on an empty data directory becomes
    ready once an ingest has written the export and an index.
    """

    def __init__(self, directory: Path, model_reference: str, kind: EncoderKind, threads: int) -> None:
        self._directory = directory
        self._model_reference = model_reference
        self._kind = kind
        self._threads = threads
        self._loaded: OnnxEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def model_reference(self) -> str:
        return self._model_reference

    @property
    def model_name(self) -> str:
        return model_name_of(self._model_reference)

    @property
    def encoder(self) -> EncoderKind:
        return self._kind

    @property
    def dimension(self) -> int:
        return self.load().dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        return self.load().embed_documents(texts)

    def embed_query(self, text: str) -> Vectors:
        return self.load().embed_query(text)

    def load(self) -> OnnxEmbedder:
        """The loaded export (loaded once, by whichever request thread comes first)."""
        with self._lock:
            if self._loaded is None:
                if not self._directory.is_dir():
                    raise EncoderMissingError(
                        f"no {self._kind} encoder exported in {self._directory}: run `vademecum ingest` "
                        "(it writes the export), or set VADEMECUM_EMBEDDING__ENCODER=torch"
                    )
                self._loaded = OnnxEmbedder.load(self._directory, self._model_reference, self._threads)
                log.info("question encoder: %s export in %s", self._kind, self._directory)
            return self._loaded
