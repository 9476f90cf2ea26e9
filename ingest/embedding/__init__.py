"""Sentence embeddings: one protocol, one encoder for passages and questions, and its reference.

- `base`: the `Embedder` protocol, `Vectors`, and `EncoderIdentity` (which encoder made a set of vectors).
- `onnx_encoder`: `OnnxEmbedder`, the model's transformer run by ONNX Runtime; what ingest and the service use.
- `reference`: `SentenceTransformerEmbedder`, the model run by sentence-transformers on torch: the reference an
  export is checked against, and the fallback for a model that cannot be exported.
- `model_layout`: how a model folder says its vectors are made (pooling, sequence length).
- `export`: the ONNX export (int8 or fp32) and its check against the reference.
- `encoders`: which encoder a process uses, and the exports kept in the data directory.

Importing this package loads neither torch nor ONNX Runtime; each is imported when a model is first loaded.
"""

from ingest.embedding.base import (
    Embedder,
    EncoderIdentity,
    Vectors,
    default_model_path,
    model_slug,
)
from ingest.embedding.onnx_encoder import OnnxEmbedder
from ingest.embedding.reference import SentenceTransformerEmbedder

__all__ = [
    "Embedder",
    "EncoderIdentity",
    "OnnxEmbedder",
    "SentenceTransformerEmbedder",
    "Vectors",
    "default_model_path",
    "model_slug",
]
