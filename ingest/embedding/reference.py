"""The reference encoder: the model run by sentence-transformers on torch.

It is what an ONNX export is checked against (ingest.embedding.export), and what embeds when the configured
model cannot be exported (a hub name, a layout the ONNX encoder does not reproduce) or `backend` is `torch`.
sentence-transformers and torch cost seconds and hundreds of MB to import, so they are imported only when
the model is first loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ingest.embedding.base import (
    EncoderIdentity,
    Vectors,
    model_fingerprint,
    model_name_of,
    resolve_model,
    sequence_length,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class SentenceTransformerEmbedder:
    def __init__(self, model: str = "", *, batch_size: int = 64, max_seq_length: int | None = None) -> None:
        self._model_ref = resolve_model(model)
        self._batch_size = batch_size
        # None: the model's own (sentence_bert_config.json), read when the model loads.
        self._max_seq_length = max_seq_length
        self._model: SentenceTransformer | None = None

    @property
    def model_reference(self) -> str:
        return self._model_ref

    @property
    def model_name(self) -> str:
        return model_name_of(self._model_ref)

    @property
    def max_seq_length(self) -> int:
        length = self._load().max_seq_length
        if length is None:
            raise RuntimeError(f"model {self.model_name} does not report its sequence length")
        return int(length)

    @property
    def encoder(self) -> EncoderIdentity:
        return EncoderIdentity(
            model_name=self.model_name,
            fingerprint=model_fingerprint(self._model_ref, sequence_length(self._model_ref, self._max_seq_length)),
            backend="torch",
            precision="fp32",
        )

    @property
    def dimension(self) -> int:
        size = self._load().get_embedding_dimension()
        if size is None:
            raise RuntimeError(f"model {self.model_name} does not report its embedding dimension")
        return int(size)

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._load().encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector

    def model(self) -> SentenceTransformer:
        """The loaded sentence-transformers model (what an ONNX export is made from)."""
        return self._load()

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            # Loading the packaged model prints a progress bar and a warning about a config key it does
            # not use; neither concerns our users, and both would clutter every CLI run and the JSON logs.
            transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            model = SentenceTransformer(self._model_ref, device="cpu", local_files_only=True)
            if self._max_seq_length is not None:
                model.max_seq_length = self._max_seq_length
            self._model = model
        return self._model
