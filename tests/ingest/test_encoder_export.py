"""The encoder export: written once per fingerprint, atomically, checked against the model, found by the service."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from ingest.embedding import (
    EncoderMismatchError,
    EncoderMissingError,
    EncoderUnavailableError,
    ExportedEncoder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    default_model_path,
    effective_kind,
    export_dir,
    export_encoder,
    exportable,
    serving_embedder,
)
from ingest.embedding import export as export_module
from ingest.layout import DataDir
from ingest.settings import EmbeddingSettings

DEFAULT = EmbeddingSettings()


@pytest.fixture
def exported(data_dir: DataDir, encoders_dir: DataDir) -> Path:
    """A private copy of the session's int8 export, where the default settings look for it in `data_dir`."""
    source = export_dir(encoders_dir, "", 256, "int8")
    target = export_dir(data_dir, "", 256, "int8")
    shutil.copytree(source, target)
    return target


def test_the_folder_is_named_for_the_model_the_kind_and_a_fingerprint(data_dir: DataDir) -> None:
    int8 = export_dir(data_dir, "", 256, "int8")

    assert int8.parent == data_dir.encoders and int8.name.startswith("all-minilm-l6-v2-int8-")
    assert export_dir(data_dir, "", 256, "fp32") != int8
    assert export_dir(data_dir, "", 128, "int8") != int8
    assert export_dir(data_dir, default_model_path(), 256, "int8") == int8


def test_an_existing_export_is_used_as_it_is(
    exported: Path, data_dir: DataDir, reference_embedder: SentenceTransformerEmbedder
) -> None:
    written = (exported / "model.onnx").stat().st_mtime_ns

    assert export_encoder(data_dir, reference_embedder, "int8") == exported
    assert (exported / "model.onnx").stat().st_mtime_ns == written


def test_the_export_records_how_closely_it_matched_the_model(exported: Path) -> None:
    config = json.loads((exported / "encoder.json").read_text(encoding="utf-8"))

    assert config["kind"] == "int8" and config["dimension"] == 384
    assert 0.95 <= config["min_cosine"] <= config["mean_cosine"] <= 1.0


@pytest.mark.slow
def test_an_export_that_does_not_match_the_model_is_an_error_and_leaves_nothing(
    data_dir: DataDir, reference_embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tolerance no export can meet stands for a broken exporter or quantiser.
    monkeypatch.setitem(export_module.TOLERANCE, "int8", (1.01, 1.01))
    stale = data_dir.encoders / ".build-left-by-a-killed-export"
    stale.mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))

    with pytest.raises(EncoderMismatchError, match="does not match the model"):
        export_encoder(data_dir, reference_embedder, "int8")

    assert list(data_dir.encoders.iterdir()) == [], "neither the failed build nor the stale one is left"


def test_the_service_loads_the_export_without_the_model(exported: Path, data_dir: DataDir) -> None:
    served = serving_embedder(data_dir, DEFAULT)

    assert isinstance(served, ExportedEncoder) and served.encoder == "int8"
    assert served.embed_query("and in pregnancy?").shape == (384,)
    assert isinstance(served.load(), OnnxEmbedder)


def test_the_service_names_the_model_and_encoder_before_the_export_is_written(data_dir: DataDir) -> None:
    served = serving_embedder(data_dir, DEFAULT)

    assert (served.model_name, served.encoder) == ("all-MiniLM-L6-v2", "int8")


def test_the_service_without_an_export_names_the_command_that_writes_it(data_dir: DataDir) -> None:
    served = serving_embedder(data_dir, DEFAULT)

    with pytest.raises(EncoderMissingError, match="run `vademecum ingest`"):
        served.embed_query("and in pregnancy?")


def test_a_damaged_export_is_reported_not_loaded(exported: Path, data_dir: DataDir) -> None:
    (exported / "model.onnx").write_bytes(b"not a model")

    with pytest.raises(EncoderUnavailableError, match="unusable"):
        serving_embedder(data_dir, DEFAULT).embed_query("and in pregnancy?")


def test_the_torch_encoder_is_the_model_itself(data_dir: DataDir) -> None:
    chosen = serving_embedder(data_dir, EmbeddingSettings(encoder="torch"))

    assert isinstance(chosen, SentenceTransformerEmbedder) and chosen.encoder == "torch"


def test_a_model_without_mean_pooling_is_not_exported(tmp_path: Path) -> None:
    model = tmp_path / "cls-model"
    shutil.copytree(default_model_path(), model)
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text(encoding="utf-8"))
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))

    assert exportable(default_model_path())
    assert not exportable(str(model))
    assert effective_kind(EmbeddingSettings(model=str(model))) == "torch"


def test_a_hub_name_is_not_exported() -> None:
    assert effective_kind(EmbeddingSettings(model="sentence-transformers/all-MiniLM-L6-v2")) == "torch"
