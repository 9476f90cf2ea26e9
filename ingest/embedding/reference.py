"""The reference encoder: the model run by sentence-transformers on torch.

It embeds when the encoder setting is `torch`, and it is what every ONNX export is checked against
(ingest.embedding.export). `sentence_transformers` costs seconds to import, so it is imported only when a
model is first loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ingest.embedding.base import EncoderKind, Vectors, model_name_of, resolve_model_reference

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from ingest.settings import EmbeddingSettings


class SentenceTransformerEmbedder:
    def __init__(self, model: str = "", *, batch_size: int = 64, max_seq_length: int = 256) -> None:
        self._model_ref = resolve_model_reference(model)
        self._batch_size = batch_size
        self._max_seq_length = max_seq_length
        self._model: SentenceTransformer | None = None

    @classmethod
    def from_settings(cls, settings: EmbeddingSettings) -> SentenceTransformerEmbedder:
        return cls(settings.model, batch_size=settings.batch_size, max_seq_length=settings.max_seq_length)

    @property
    def model_reference(self) -> str:
        return self._model_ref

    @property
    def model_name(self) -> str:
        return model_name_of(self._model_ref)

    @property
    def encoder(self) -> EncoderKind:
        return "torch"

    @property
    def max_seq_length(self) -> int:
        return self._max_seq_length

    @property
    def dimension(self) -> int:
        size = self.model().get_embedding_dimension()
        if size is None:
            raise RuntimeError(f"model {self.model_name} does not report its embedding dimension")
        return int(size)

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # `encode` sorts the texts by length, so long passages do not pad short ones.
        vectors = self.model().encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector

    def model(self) -> SentenceTransformer:
        """The loaded sentence-transformers model (loaded on first use)."""
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # Loading the packaged model prints a progress bar and a warning about a config key it does
            # not use; neither concerns our users, and both would clutter every CLI run and the JSON logs.
            transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            model = SentenceTransformer(self._model_ref, device="cpu", local_files_only=True)
            model.max_seq_length = self._max_seq_length
            self._model = model
        return self._model
