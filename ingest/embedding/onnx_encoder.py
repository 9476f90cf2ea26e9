"""The fast encoder: an ONNX export of the model, run by ONNX Runtime with the model's own tokenizer.

Needs only `onnxruntime`, `tokenizers` and numpy: a serving process that embeds with it never imports
torch, transformers or sentence-transformers (hundreds of MB and seconds of start-up less). The export is
written by ingest.embedding.export; pooling and normalisation are done here exactly as the model defines
them (mean over the real tokens, then unit length), which is the only layout that module exports.

An export folder holds:

    model.onnx       the transformer, fp32 or with int8 weights
    tokenizer.json   the tokenizer sentence-transformers runs, truncating at the model's sequence length
    encoder.json     `EncoderConfig`: what the export is and how well it matched the reference when written
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from ingest.embedding.base import EncoderKind, Vectors

if TYPE_CHECKING:
    from tokenizers import Encoding

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"

# fp32 texts are embedded in batches of this many, grouped by length so a short text is not padded to a
# long one. int8 texts go one per pass: dynamic quantisation scales each activation tensor by its own range,
# padding included, so a batched vector would depend on its neighbours; alone, a passage gets the same
# vector at ingest as it would as a question, on any run.
FP32_BATCH = 32


class EncoderConfig(BaseModel):
    """What an export is, and how closely it matched sentence-transformers on the check texts."""

    model_name: str
    kind: EncoderKind
    dimension: int
    max_seq_length: int
    # The transformer's inputs, as the exported graph names them.
    inputs: list[str]
    # Cosine similarity to the reference vectors over the check texts (ingest.embedding.export); None only
    # while the export is being checked.
    min_cosine: float | None = None
    mean_cosine: float | None = None


class EncoderUnavailableError(ValueError):
    """An export folder that is missing, incomplete or damaged."""


class OnnxEmbedder:
    def __init__(
        self, session: Any, tokenizer: Any, config: EncoderConfig, model_reference: str, workers: int = 1
    ) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.config = config
        self._model_reference = model_reference
        self._workers = workers

    @classmethod
    def load(cls, directory: Path, model_reference: str, threads: int = 0) -> OnnxEmbedder:
        """The export in `directory`, embedding on `threads` cores (0: one per core).

        A forward pass always runs on one thread: MiniLM's matrices for one short text are too small to share
        between cores (two intra-op threads embedded 108 passages/s, one 104). A large call
        (`embed_documents` at ingest) instead runs `threads` passes at once, one per worker thread, which
        ONNX Runtime allows on one session and runs outside the GIL. Raises EncoderUnavailableError when a
        file is missing or damaged.
        """
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            config = EncoderConfig.model_validate_json((directory / CONFIG_FILE).read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # warnings about unused initialisers concern nobody here
            session = onnxruntime.InferenceSession(
                str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        # OSError, a ValidationError, or the bare Exception onnxruntime and tokenizers raise for a damaged file.
        except Exception as error:
            raise EncoderUnavailableError(f"encoder in {directory} unusable: {error}") from error
        tokenizer.enable_truncation(max_length=config.max_seq_length)
        tokenizer.no_padding()  # batches are padded here, to their own longest text
        return cls(session, tokenizer, config, model_reference, workers=threads or os.cpu_count() or 1)

    @property
    def model_reference(self) -> str:
        return self._model_reference

    @property
    def model_name(self) -> str:
        return self.config.model_name

    @property
    def encoder(self) -> EncoderKind:
        return self.config.kind

    @property
    def dimension(self) -> int:
        return self.config.dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self._tokenizer.encode_batch(list(texts))
        size = 1 if self.config.kind == "int8" else FP32_BATCH
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[start : start + size] for start in range(0, len(order), size)]

        def embed(batch: list[int]) -> None:
            vectors[batch] = self._forward([encodings[i] for i in batch])

        if self._workers == 1 or len(batches) == 1:
            for batch in batches:
                embed(batch)
        else:
            with ThreadPoolExecutor(self._workers) as pool:
                list(pool.map(embed, batches))
        return vectors

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector

    def _forward(self, encodings: Sequence[Encoding]) -> Vectors:
        """Unit-length mean-pooled vectors of one batch, padded to its longest text."""
        width = max(len(e.ids) for e in encodings)
        features = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in self.config.inputs}
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            values = {"input_ids": encoding.ids, "attention_mask": encoding.attention_mask}
            values["token_type_ids"] = encoding.type_ids
            for name in self.config.inputs:
                features[name][row, :length] = values[name]
        hidden = self._session.run(None, features)[0]
        mask = features["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.asarray(pooled / norms, dtype=np.float32)
