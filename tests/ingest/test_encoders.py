"""Which encoder a process embeds with, the exports in the data directory, and the index identity they give."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.embedding import OnnxEmbedder, SentenceTransformerEmbedder
from ingest.embedding.encoders import (
    BUILD_PREFIX,
    EncoderUnavailableError,
    configured_encoder,
    export_dir,
    ingest_embedder,
    serving_embedder,
)
from ingest.embedding.export import MIN_COSINE, EncoderExportError, check_agreement
from ingest.embedding.onnx_encoder import MODEL_FILE
from ingest.layout import DataDir
from ingest.settings import EmbeddingSettings
from ingest.version import read_manifest
from tests.ingest.articles import write_corpus
from tests.ingest.conftest import Ingest
from tests.ingest.faults import small_filesystem

DEFAULT = EmbeddingSettings()
HUB_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def test_the_default_encoder_is_the_onnx_fp32_export_of_the_packaged_model() -> None:
    identity = configured_encoder(DEFAULT)

    assert (identity.model_name, identity.backend, identity.precision) == ("all-MiniLM-L6-v2", "onnx", "fp32")


def test_precision_backend_and_sequence_length_each_change_the_identity() -> None:
    identities = {
        configured_encoder(settings)
        for settings in (
            DEFAULT,
            EmbeddingSettings(precision="int8"),
            EmbeddingSettings(backend="torch"),
            EmbeddingSettings(max_seq_length=128),
        )
    }

    assert len(identities) == 4


def test_the_model_folders_own_sequence_length_is_the_default() -> None:
    assert configured_encoder(DEFAULT) == configured_encoder(EmbeddingSettings(max_seq_length=256))


def test_an_existing_export_is_loaded_not_made_again(data_dir: DataDir, reference: SentenceTransformerEmbedder) -> None:
    before = sorted(p.name for p in data_dir.encoders.iterdir())

    loaded = ingest_embedder(data_dir, DEFAULT, reference=reference)

    assert isinstance(loaded, OnnxEmbedder) and loaded.encoder == configured_encoder(DEFAULT)
    assert sorted(p.name for p in data_dir.encoders.iterdir()) == before


def test_the_service_loads_the_export_without_the_model(data_dir: DataDir, embedder: OnnxEmbedder) -> None:
    loaded = serving_embedder(data_dir, DEFAULT, threads=1)

    assert isinstance(loaded, OnnxEmbedder)
    assert np.abs(loaded.embed_query("and in pregnancy?") - embedder.embed_query("and in pregnancy?")).max() < 1e-6


def test_the_service_refuses_to_start_without_an_export_and_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailableError, match="run `vademecum ingest`"):
        serving_embedder(DataDir(tmp_path / "data"), DEFAULT)


def test_a_damaged_export_is_refused(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    data_dir = DataDir(tmp_path / "data")
    target = export_dir(data_dir, embedder.encoder)
    shutil.copytree(embedder.directory, target)
    model = target / MODEL_FILE
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])

    with pytest.raises(EncoderUnavailableError, match=MODEL_FILE):
        serving_embedder(data_dir, DEFAULT)


def test_an_export_that_disagrees_with_the_model_is_an_error_naming_the_worst_text(embedder: OnnxEmbedder) -> None:
    """The check an export passes before use, against the model cutting texts at 16 tokens instead of 256."""
    cut_short = SentenceTransformerEmbedder(max_seq_length=16)

    with pytest.raises(EncoderExportError, match=r"does not give the model's vectors: cosine 0\.\d+ on '"):
        check_agreement(embedder, cut_short, MIN_COSINE["fp32"])


def test_a_model_that_cannot_be_exported_embeds_with_sentence_transformers_and_the_log_says_why(
    data_dir: DataDir, caplog: pytest.LogCaptureFixture
) -> None:
    settings = EmbeddingSettings(model=HUB_NAME)

    with caplog.at_level(logging.WARNING, logger="vademecum.embedding"):
        chosen = serving_embedder(data_dir, settings)

    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert configured_encoder(settings).backend == "torch"
    assert "cannot be exported to ONNX" in caplog.text and "not a local model folder" in caplog.text


def test_an_index_records_the_encoder_that_built_it(
    corpus: Path, ingest: Ingest, data_dir: DataDir, embedder: OnnxEmbedder
) -> None:
    write_corpus(corpus)

    ingest()

    assert read_manifest(data_dir.active_version_dir()).encoder == embedder.encoder


def test_another_encoder_re_embeds_everything_and_says_why(
    corpus: Path, ingest: Ingest, data_dir: DataDir, reference: SentenceTransformerEmbedder
) -> None:
    write_corpus(corpus)
    first = ingest()

    report = ingest(embedder_=reference)

    assert report.version not in (None, first.version)
    assert report.passages_embedded == report.passages_total == first.passages_total
    assert any("built with all-MiniLM-L6-v2 (onnx fp32" in w and "(torch fp32" in w for w in report.warnings)
    assert read_manifest(data_dir.active_version_dir()).encoder == reference.encoder


@pytest.mark.slow
def test_an_int8_export_is_written_beside_the_fp32_one_and_agrees_within_its_tolerance(
    data_dir: DataDir, reference: SentenceTransformerEmbedder
) -> None:
    leftover = data_dir.encoders / f"{BUILD_PREFIX}all-minilm-l6-v2-0000-abc123"
    leftover.mkdir(parents=True)
    (leftover / MODEL_FILE).write_bytes(b"half an export killed earlier")

    int8 = ingest_embedder(data_dir, EmbeddingSettings(precision="int8"), reference=reference)

    assert isinstance(int8, OnnxEmbedder) and int8.encoder.precision == "int8"
    assert int8.config.min_cosine >= MIN_COSINE["int8"]
    assert not leftover.exists()
    assert len(list(data_dir.encoders.iterdir())) == 2


@pytest.mark.slow
def test_an_export_on_a_full_disk_raises_and_leaves_nothing_behind(
    tmp_path: Path, reference: SentenceTransformerEmbedder
) -> None:
    with small_filesystem(tmp_path / "small", size_kib=8 * 1024) as mounted:
        data_dir = DataDir(mounted / "data")

        # The exporter reports a failed write as its own error (RuntimeError), which becomes EncoderExportError.
        with pytest.raises((OSError, EncoderExportError)):
            ingest_embedder(data_dir, DEFAULT, reference=reference)

        assert list(data_dir.encoders.iterdir()) == []
