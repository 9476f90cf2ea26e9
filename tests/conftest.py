"""Fixtures every test package shares: the real embedding model (loaded once) and the shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.embedding import SentenceTransformerEmbedder
from ingest.layout import DataDir
from ingest.settings import ChromaSettings

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared"))
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real packaged all-MiniLM-L6-v2, loaded once per test session."""
    model = SentenceTransformerEmbedder()
    model.embed_query("warm up")
    return model


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
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> DataDir:
    """The bundled corpus ingested once per session with the real model into embedded Chroma (read-only use)."""
    from ingest.pipeline import run_ingest

    data = DataDir(tmp_path_factory.mktemp("corpus-index") / "data")
    report = run_ingest([CORPUS], data_dir=data, embedder=embedder, chroma=ChromaSettings())
    assert report.ok, [str(issue) for issue in report.rejected]
    return data
