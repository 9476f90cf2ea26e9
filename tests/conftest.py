"""Fixtures every test package shares: the real embedding model (loaded once) and the shared data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, export_dir, export_encoder
from ingest.layout import DataDir
from ingest.settings import ChromaSettings, EmbeddingSettings

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared"))
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def reference_embedder() -> SentenceTransformerEmbedder:
    """The real packaged all-MiniLM-L6-v2 on sentence-transformers (torch), loaded once per test session."""
    model = SentenceTransformerEmbedder()
    model.embed_query("warm up")
    return model


@pytest.fixture(scope="session")
def encoders_dir(tmp_path_factory: pytest.TempPathFactory, reference_embedder: SentenceTransformerEmbedder) -> DataDir:
    """A data directory holding the session's encoder exports, the default int8 one written at once (copy it
    into another data directory with `copy_encoders`)."""
    data_dir = DataDir(tmp_path_factory.mktemp("encoders") / "data")
    export_encoder(data_dir, reference_embedder, "int8")
    return data_dir


@pytest.fixture(scope="session")
def embedder(encoders_dir: DataDir, reference_embedder: SentenceTransformerEmbedder) -> Embedder:
    """The default encoder, as ingest and the service run it: the int8 ONNX export, written once per session."""
    directory = export_dir(encoders_dir, "", reference_embedder.max_seq_length, "int8")
    return OnnxEmbedder.load(directory, reference_embedder.model_reference, threads=1)


def copy_encoders(source: DataDir, target: DataDir) -> None:
    """Give `target` the default encoder's export from `source`, so a `vademecum serve` process over `target`
    finds it without an ingest writing it (an index built in-process with the session's `embedder` has none)."""
    export = export_dir(source, "", EmbeddingSettings().max_seq_length, "int8")
    shutil.copytree(export, target.encoders / export.name, dirs_exist_ok=True)


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "data")


def chroma_under_test() -> ChromaSettings:
    """Embedded Chroma by default; VADEMECUM_TEST_CHROMA_PORT (set by scripts/with-chroma-server) names a server."""
    port = os.environ.get("VADEMECUM_TEST_CHROMA_PORT")
    if port:
        return ChromaSettings(mode="http", host="127.0.0.1", port=int(port))
    return ChromaSettings()


@pytest.fixture
def chroma_settings() -> ChromaSettings:
    """The Chroma the tests write to and read from: see `chroma_under_test`."""
    return chroma_under_test()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip(f"needs the shared data folder {SHARED}/data (absent on this machine)")
    return SHARED


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, encoders_dir: DataDir) -> DataDir:
    """The bundled corpus ingested once per session with the real model into embedded Chroma (read-only use)."""
    from ingest.pipeline import run_ingest

    data = DataDir(tmp_path_factory.mktemp("corpus-index") / "data")
    report = run_ingest([CORPUS], data_dir=data, embedder=embedder, chroma=ChromaSettings())
    assert report.ok, [str(issue) for issue in report.rejected]
    copy_encoders(encoders_dir, data)
    return data
