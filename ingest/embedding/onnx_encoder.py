"""The encoder Vademecum embeds with: the model's transformer as an ONNX graph, run by ONNX Runtime.

Tokenising (`tokenizers`, the model's own tokenizer.json), pooling and normalising are done here exactly as the
model folder defines them (ingest.embedding.model_layout); only the transformer runs in the graph. Nothing here
imports torch, transformers or sentence-transformers: a serving process that embeds with this encoder holds
ONNX Runtime (tens of MB) instead of torch (hundreds).

Texts are embedded in batches of similar length: sorted by token count, cut into batches, each padded only to
its own longest text, and the vectors put back in the caller's order. A short question is never padded to a
long passage, and no padding token is run through the model for nothing.

An export directory (written by ingest.embedding.export) holds `model.onnx`, `tokenizer.json` and
`encoder.json` (an `ExportConfig`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError
from tokenizers import Encoding, Tokenizer

from ingest.embedding.base import EncoderIdentity, Vectors

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"

_ENCODING_FIELDS = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}


class ExportConfig(BaseModel):
    """What an export needs besides its graph and tokenizer, and how well it matched the reference."""

    model_config = ConfigDict(extra="forbid")

    identity: EncoderIdentity
    dimension: int
    max_seq_length: int
    do_lower_case: bool
    pooling_modes: list[str]
    # The graph's inputs, named as the tokenizer's fields are (input_ids, attention_mask, token_type_ids).
    inputs: list[str]
    pad_id: int
    # Agreement with sentence-transformers on the fixed sample, measured before the export was put in place.
    min_cosine: float
    mean_cosine: float
    sample_size: int
    versions: dict[str, str]


class EncoderLoadError(Exception):
    """An export is missing, damaged or unreadable."""


class OnnxEmbedder:
    """An Embedder over an ONNX export: passages at ingest, questions in the service, the same vectors."""

    def __init__(
        self,
        session: Any,
        tokenizer: Tokenizer,
        config: ExportConfig,
        *,
        directory: Path,
        model_reference: str,
        batch_size: int = 64,
    ) -> None:
        # Where the export was loaded from.
        self.directory = directory
        self._session = session
        self._tokenizer = tokenizer
        self.config = config
        self._model_reference = model_reference
        self._batch_size = batch_size

    @classmethod
    def load(cls, directory: Path, *, model_reference: str, threads: int = 0, batch_size: int = 64) -> OnnxEmbedder:
        """The encoder exported into `directory`; `threads` is ONNX Runtime's intra-op pool (0: one per core).

        Raises EncoderLoadError when a file is missing or damaged.
        """
        import onnxruntime

        try:
            config = ExportConfig.model_validate_json((directory / CONFIG_FILE).read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # warnings about unused initialisers are not ours to act on
            session = onnxruntime.InferenceSession(
                str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except (OSError, ValueError, ValidationError) as error:
            raise EncoderLoadError(f"{directory}: {error}") from error
        except Exception as error:
            raise EncoderLoadError(f"{directory / MODEL_FILE}: {type(error).__name__}: {error}") from error
        configure_tokenizer(tokenizer, config.max_seq_length)
        return cls(
            session, tokenizer, config, directory=directory, model_reference=model_reference, batch_size=batch_size
        )

    @property
    def model_name(self) -> str:
        return self.config.identity.model_name

    @property
    def model_reference(self) -> str:
        return self._model_reference

    @property
    def encoder(self) -> EncoderIdentity:
        return self.config.identity

    @property
    def dimension(self) -> int:
        return self.config.dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self.tokenize(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            vectors[batch] = self._encode([encodings[i] for i in batch])
        return vectors

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector

    def tokenize(self, texts: Sequence[str]) -> list[Encoding]:
        """The model's tokens of each text, cut at the sequence length, unpadded."""
        prepared = [text.strip() for text in texts]
        if self.config.do_lower_case:
            prepared = [text.lower() for text in prepared]
        encodings: list[Encoding] = self._tokenizer.encode_batch(prepared)
        return encodings

    def _encode(self, encodings: list[Encoding]) -> Vectors:
        """One forward pass over texts padded to the longest among them; pooled and normalised vectors."""
        length = max(len(e.ids) for e in encodings)
        feeds: dict[str, np.ndarray] = {}
        for name in self.config.inputs:
            fill = self.config.pad_id if name == "input_ids" else 0
            array = np.full((len(encodings), length), fill, dtype=np.int64)
            for row, encoding in enumerate(encodings):
                values = getattr(encoding, _ENCODING_FIELDS[name])
                array[row, : len(values)] = values
            feeds[name] = array
        mask = np.zeros((len(encodings), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            mask[row, : len(encoding.ids)] = 1.0
        (hidden,) = self._session.run(None, feeds)
        return normalize(pool(np.asarray(hidden, dtype=np.float32), mask, self.config.pooling_modes))


def configure_tokenizer(tokenizer: Tokenizer, max_seq_length: int) -> None:
    """Cut at the model's sequence length; no padding (batches are padded here, to their own longest text).

    A model's tokenizer.json may carry its own truncation and fixed-length padding (MiniLM's says 128): those
    are not what sentence-transformers applies, so they are replaced.
    """
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_seq_length)


def pool(hidden: Vectors, mask: Vectors, modes: Sequence[str]) -> Vectors:
    """Token vectors (batch, tokens, dim) to one vector per text, as sentence-transformers' Pooling does."""
    weights = mask[:, :, None]
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    parts: list[Vectors] = []
    for mode in modes:
        if mode == "cls":
            parts.append(hidden[:, 0])
        elif mode == "max":
            parts.append(np.where(weights > 0, hidden, -np.inf).max(axis=1))
        elif mode == "mean":
            parts.append((hidden * weights).sum(axis=1) / counts)
        elif mode == "mean_sqrt_len_tokens":
            parts.append((hidden * weights).sum(axis=1) / np.sqrt(counts))
        else:
            raise ValueError(f"pooling mode {mode!r} is not reproduced here")
    result: Vectors = np.concatenate(parts, axis=1).astype(np.float32)
    return result


def normalize(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: Vectors = (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)
    return result
