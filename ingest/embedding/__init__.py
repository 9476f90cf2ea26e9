"""Embedding: one protocol (`Embedder`), the reference encoder, and the ONNX export that serves.

- `base`: the protocol, the vector type, the encoder kinds and the model's names (imports no model library);
- `reference`: sentence-transformers on torch, the reference every export is checked against;
- `onnx_encoder`: an export run by ONNX Runtime and `tokenizers`, what ingest and the service embed with;
- `export`: writing an export once per model fingerprint, atomically, checked before use;
- `encoders`: which encoder ingest and a serving process use for the configured kind.

The encoder kind is part of an index's identity (ingest.version.Manifest.encoder): vectors made by int8 are
never searched with fp32 or torch ones.
"""

from ingest.embedding.base import (
    DEFAULT_MODEL_NAME,
    ENCODER_KINDS,
    Embedder,
    EncoderKind,
    Vectors,
    default_model_path,
    model_name_of,
    model_slug,
    resolve_model_reference,
)
from ingest.embedding.encoders import (
    EncoderMissingError,
    ExportedEncoder,
    effective_kind,
    ingest_embedder,
    serving_embedder,
)
from ingest.embedding.export import EncoderMismatchError, export_dir, export_encoder, exportable
from ingest.embedding.onnx_encoder import EncoderUnavailableError, OnnxEmbedder
from ingest.embedding.reference import SentenceTransformerEmbedder

__all__ = [
    "DEFAULT_MODEL_NAME",
    "ENCODER_KINDS",
    "Embedder",
    "EncoderKind",
    "EncoderMismatchError",
    "EncoderMissingError",
    "EncoderUnavailableError",
    "ExportedEncoder",
    "OnnxEmbedder",
    "SentenceTransformerEmbedder",
    "Vectors",
    "default_model_path",
    "effective_kind",
    "export_dir",
    "export_encoder",
    "exportable",
    "ingest_embedder",
    "model_name_of",
    "model_slug",
    "resolve_model_reference",
    "serving_embedder",
]
