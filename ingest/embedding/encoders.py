"""Which encoder a process embeds with, and the ONNX exports kept in the data directory.

    data/encoders/<model>-<fingerprint>-<precision>-v<format>/   model.onnx, tokenizer.json, encoder.json

`vademecum ingest` (`ingest_embedder`) exports the configured model the first time it needs it, verifies the
export against sentence-transformers, and embeds with it; every later ingest and every serving process
(`serving_embedder`) loads it. The export is written to a temporary sibling and renamed into place only once
verified, so a reader sees a complete, checked export or none.

sentence-transformers embeds instead when `backend` is `torch`, or when the model cannot be exported (a hub
name, a layout the ONNX encoder does not reproduce); the log says so. Either way the encoder's identity goes
into the index manifest, so vectors of one encoder are never searched with another's.
"""

from __future__ import annotations

import logging
import secrets
import shutil
from pathlib import Path

from ingest.embedding.base import (
    EncoderIdentity,
    model_fingerprint,
    model_name_of,
    model_slug,
    resolve_model,
    sequence_length,
)
from ingest.embedding.model_layout import UnsupportedModelError, read_layout
from ingest.embedding.onnx_encoder import EncoderLoadError, OnnxEmbedder
from ingest.embedding.reference import SentenceTransformerEmbedder
from ingest.layout import DataDir
from ingest.settings import EmbeddingSettings

log = logging.getLogger("vademecum.embedding")

BUILD_PREFIX = ".build-"
# Bump when the files of an export change meaning: older exports are then ignored (and re-exported by ingest).
EXPORT_FORMAT = "2"


class EncoderUnavailableError(Exception):
    """The configured ONNX encoder was never exported into this data directory (or its export is damaged)."""


def configured_encoder(settings: EmbeddingSettings) -> EncoderIdentity:
    """The encoder these settings embed with, worked out from the model's files alone (nothing is loaded)."""
    reference = resolve_model(settings.model)
    backend = settings.backend if settings.backend == "torch" or export_refusal(reference) is None else "torch"
    return EncoderIdentity(
        model_name=model_name_of(reference),
        fingerprint=model_fingerprint(reference, sequence_length(reference, settings.max_seq_length)),
        backend=backend,
        precision=settings.precision if backend == "onnx" else "fp32",
    )


def export_refusal(reference: str) -> str | None:
    """Why this model cannot be exported to ONNX, or None when it can."""
    try:
        read_layout(reference)
    except UnsupportedModelError as error:
        return str(error)
    return None


def export_dir(data_dir: DataDir, identity: EncoderIdentity) -> Path:
    """Where the ONNX export of `identity` belongs, whether or not it is there."""
    name = f"{model_slug(identity.model_name)}-{identity.fingerprint}-{identity.precision}-v{EXPORT_FORMAT}"
    return data_dir.encoders / name


def ingest_embedder(
    data_dir: DataDir, settings: EmbeddingSettings, reference: SentenceTransformerEmbedder | None = None
) -> OnnxEmbedder | SentenceTransformerEmbedder:
    """What an ingest embeds with: the ONNX export (exported and verified now when missing), or the reference.

    `reference` is the sentence-transformers model to export from and check against (tests pass one already
    loaded). Raises EncoderExportError when the export does not give the model's vectors, OSError when it
    cannot be written.
    """
    from ingest.embedding.export import export_encoder

    identity = configured_encoder(settings)
    reference = reference or _reference(settings)
    if identity.backend == "torch":
        _log_torch(settings)
        return reference
    target = export_dir(data_dir, identity)
    if not target.is_dir():
        data_dir.encoders.mkdir(parents=True, exist_ok=True)
        # An export killed half-way leaves its temporary folder: remove those before writing a new one.
        for leftover in data_dir.encoders.glob(f"{BUILD_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
        building = data_dir.encoders / f"{BUILD_PREFIX}{target.name}-{secrets.token_hex(3)}"
        log.info("exporting %s to ONNX in %s", identity.describe(), target)
        try:
            config = export_encoder(reference, identity, building, threads=settings.threads)
            building.rename(target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            if not target.is_dir():  # unless another writer finished the same export first
                raise
        else:
            log.info("ONNX export verified: cosine to sentence-transformers >= %.4f", config.min_cosine)
    return _load(target, settings, settings.threads)


def serving_embedder(
    data_dir: DataDir, settings: EmbeddingSettings, threads: int = 1
) -> OnnxEmbedder | SentenceTransformerEmbedder:
    """What a serving process embeds with: the export ingest made, without importing torch.

    Raises EncoderUnavailableError when the configured ONNX encoder was never exported into this data directory.
    """
    identity = configured_encoder(settings)
    if identity.backend == "torch":
        _log_torch(settings)
        return _reference(settings)
    return _load(export_dir(data_dir, identity), settings, threads)


def _load(directory: Path, settings: EmbeddingSettings, threads: int) -> OnnxEmbedder:
    try:
        embedder = OnnxEmbedder.load(
            directory, model_reference=resolve_model(settings.model), threads=threads, batch_size=settings.batch_size
        )
    except EncoderLoadError as error:
        raise EncoderUnavailableError(
            f"no usable ONNX encoder in {directory} ({error}): run `vademecum ingest`, which exports and checks it"
        ) from error
    log.info("embedding with %s from %s", embedder.encoder.describe(), directory)
    return embedder


def _reference(settings: EmbeddingSettings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(
        settings.model, batch_size=settings.batch_size, max_seq_length=settings.max_seq_length
    )


def _log_torch(settings: EmbeddingSettings) -> None:
    reference = resolve_model(settings.model)
    refusal = export_refusal(reference) if settings.backend == "onnx" else None
    why = f"the model cannot be exported to ONNX ({refusal})" if refusal else "VADEMECUM_EMBEDDING__BACKEND=torch"
    log.warning("embedding with sentence-transformers (torch) in-process: %s", why)
