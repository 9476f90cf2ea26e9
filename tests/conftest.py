"""Fixtures every test package shares: the real embedding model (loaded once) and the shared data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, export_encoder
from ingest.layout import DataDir
from ingest.settings import ChromaSettings

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
def encoders_dir(tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """A data directory holding the session's encoder exports (copy them with `copy_encoders`)."""
    return DataDir(tmp_path_factory.mktemp("encoders") / "data")


@pytest.fixture(scope="session")
def embedder(encoders_dir: DataDir, reference_embedder: SentenceTransformerEmbedder) -> Embedder:
    """The default encoder, as ingest and the service run it: the int8 ONNX export, written once per session."""
    directory = export_encoder(encoders_dir, reference_embedder, "int8")
    return OnnxEmbedder.load(directory, reference_embedder.model_reference, threads=1)


def copy_encoders(source: DataDir, target: DataDir) -> None:
    """Give `target` the exports in `source`, so a `vademecum serve` process over `target` finds its encoder
    without an ingest writing it (an index built in-process with the session's `embedder` has none)."""
    shutil.copytree(source.encoders, target.encoders, dirs_exist_ok=True)


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
