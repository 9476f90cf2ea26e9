"""The encoders a benchmark compares side by side, and the index each one needs.

An index is only served by the encoder that built it (its manifest records the encoder), so comparing torch
with ONNX in one run takes one index per encoder. `torch` is sentence-transformers; `fp32` and `int8` are the
ONNX export of that precision. For an index directory D built by another encoder, the index of encoder E is
looked for in the sibling `D-E`: `bench_service` builds that sibling for the bundled corpus (a child
`vademecum ingest`), and `bench_ingest --data-dir ROOT --encoders torch,fp32` leaves ROOT/torch and ROOT/fp32
for a MedQuAD comparison.
"""

from __future__ import annotations

from pathlib import Path

from ingest.embedding.encoders import configured_encoder
from ingest.settings import EmbeddingSettings, Settings
from ingest.version import read_manifest

ENCODERS = ("torch", "fp32", "int8")

__all__ = ["ENCODERS", "encoder_env", "encoder_settings", "index_for", "parse_encoders"]


def parse_encoders(value: str) -> list[str]:
    labels = [label.strip() for label in value.split(",") if label.strip()]
    unknown = [label for label in labels if label not in ENCODERS]
    if not labels or unknown:
        raise ValueError(f"expected names among {', '.join(ENCODERS)}, got {value!r}")
    return labels


def encoder_settings(label: str, base: EmbeddingSettings) -> EmbeddingSettings:
    if label == "torch":
        return base.model_copy(update={"backend": "torch"})
    return base.model_copy(update={"backend": "onnx", "precision": label})


def encoder_env(label: str) -> dict[str, str]:
    """The environment variables that make a `vademecum` process embed with this encoder."""
    if label == "torch":
        return {"VADEMECUM_EMBEDDING__BACKEND": "torch"}
    return {"VADEMECUM_EMBEDDING__BACKEND": "onnx", "VADEMECUM_EMBEDDING__PRECISION": label}


def index_for(label: str, data_dir: Path, settings: Settings, *, build: bool) -> Path | None:
    """The index directory this encoder serves: `data_dir` when that encoder built it, else its sibling
    `<data_dir>-<label>`, ingested from the corpus folder when `build` (and stale); None when there is none."""
    from service.cli import ensure_index

    wanted = configured_encoder(encoder_settings(label, settings.embedding))
    for candidate in (data_dir, data_dir.with_name(f"{data_dir.name}-{label}")):
        if _built_by(candidate) == wanted:
            return candidate
    if not build:
        return None
    sibling = data_dir.with_name(f"{data_dir.name}-{label}")
    embedding = encoder_settings(label, settings.embedding)
    ensure_index(settings.model_copy(update={"data_dir": sibling, "embedding": embedding}))
    return sibling if _built_by(sibling) == wanted else None


def _built_by(data_dir: Path) -> object:
    from ingest.layout import DataDir, IndexMissingError
    from ingest.version import IndexCorruptError

    try:
        return read_manifest(DataDir(data_dir).active_version_dir()).encoder
    except (IndexMissingError, IndexCorruptError, OSError):
        return None
