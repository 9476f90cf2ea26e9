"""http mode with no Chroma server answering: a clear error naming the address, never a traceback."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from ingest.embedding import Embedder
from ingest.layout import DataDir, IndexWriteError
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings
from ingest.store import ChromaUnavailableError, make_client
from tests.ingest.articles import write_corpus
from tests.service.serving import BIN, free_port, start


@pytest.fixture
def nobody() -> ChromaSettings:
    """A loopback port nothing listens on."""
    return ChromaSettings(mode="http", host="127.0.0.1", port=free_port())


def test_make_client_names_the_address_when_no_chroma_server_answers(nobody: ChromaSettings) -> None:
    with pytest.raises(ChromaUnavailableError, match=f"no Chroma server answers at http://127.0.0.1:{nobody.port}"):
        make_client(nobody, None)


def test_an_ingest_without_its_chroma_server_fails_as_a_write_error_and_leaves_no_version(
    corpus: Path, data_dir: DataDir, embedder: Embedder, nobody: ChromaSettings
) -> None:
    write_corpus(corpus, ["asthma"])

    with pytest.raises(IndexWriteError, match="no Chroma server answers") as failure:
        run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=nobody)

    assert "there is still no active version" in str(failure.value)
    assert data_dir.read_pointer() is None and not any(data_dir.versions.iterdir())


def test_a_chroma_server_that_dies_during_the_writes_fails_as_a_write_error_and_leaves_no_version(
    tmp_path: Path, corpus: Path, data_dir: DataDir, embedder: Embedder
) -> None:
    port = free_port()
    command = [str(BIN / "chroma"), "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1"]
    server = start([*command, "--port", str(port)], tmp_path / "chroma.log", port)
    chroma = ChromaSettings(mode="http", host="127.0.0.1", port=port)
    write_corpus(corpus, ["asthma"])

    def kill_the_server_at_the_first_write(stage: str, done: int, total: int) -> None:
        if stage == "writing Chroma" and server.popen.poll() is None:
            os.killpg(server.popen.pid, signal.SIGKILL)
            server.popen.wait(timeout=10)

    try:
        server.wait_for("/api/v2/heartbeat", timeout_s=60)
        with pytest.raises(IndexWriteError, match="there is still no active version"):
            run_ingest(
                [corpus],
                data_dir=data_dir,
                embedder=embedder,
                chroma=chroma,
                progress=kill_the_server_at_the_first_write,
            )
    finally:
        server.stop()

    assert data_dir.read_pointer() is None and not any(data_dir.versions.iterdir())
