"""Fixtures every test package shares: the real encoder (exported once per session) and the shared data.

`embedder` is what Vademecum embeds with by default: the packaged all-MiniLM-L6-v2 exported to ONNX (int8) and
checked against sentence-transformers, once per session. `reference` is that sentence-transformers model.
Every `data_dir` gets the session's export (a symbolic link), so an ingest or a server started on it loads the
encoder instead of exporting it again; `install_encoder` does the same for other data directories.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.embedding import OnnxEmbedder, SentenceTransformerEmbedder
from ingest.embedding.encoders import configured_encoder, export_dir, ingest_embedder
from ingest.layout import DataDir
from ingest.settings import ChromaSettings, EmbeddingSettings

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared"))
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def reference() -> SentenceTransformerEmbedder:
    """The real packaged all-MiniLM-L6-v2 on sentence-transformers, loaded once per test session."""
    model = SentenceTransformerEmbedder()
    model.embed_query("warm up")
    return model


@pytest.fixture(scope="session")
def session_encoders(tmp_path_factory: pytest.TempPathFactory, reference: SentenceTransformerEmbedder) -> DataDir:
    """A data directory holding the default encoder's export, made (and verified) once per session."""
    data_dir = DataDir(tmp_path_factory.mktemp("session-encoders") / "data")
    ingest_embedder(data_dir, EmbeddingSettings(), reference=reference)
    return data_dir


@pytest.fixture(scope="session")
def embedder(session_encoders: DataDir) -> OnnxEmbedder:
    """The default encoder (ONNX int8), as ingest and the service use it."""
    directory = export_dir(session_encoders, configured_encoder(EmbeddingSettings()))
    return OnnxEmbedder.load(directory, model_reference=SentenceTransformerEmbedder().model_reference)


def install_encoder(embedder: OnnxEmbedder, data_dir: DataDir) -> None:
    """Give `data_dir` the session's export as a symbolic link: no copy (a test's tiny filesystem has no room for
    one), no second export. An ingest or a server on `data_dir` then finds the export where it looks for it."""
    target = export_dir(data_dir, embedder.encoder)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(embedder.directory, target_is_directory=True)


@pytest.fixture
def data_dir(tmp_path: Path, embedder: OnnxEmbedder) -> DataDir:
    directory = DataDir(tmp_path / "data")
    install_encoder(embedder, directory)
    return directory


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
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory, embedder: OnnxEmbedder) -> DataDir:
    """The bundled corpus ingested once per session with the real model into embedded Chroma (read-only use)."""
    from ingest.pipeline import run_ingest

    data = DataDir(tmp_path_factory.mktemp("corpus-index") / "data")
    install_encoder(embedder, data)
    report = run_ingest([CORPUS], data_dir=data, embedder=embedder, chroma=ChromaSettings())
    assert report.ok, [str(issue) for issue in report.rejected]
    return data
