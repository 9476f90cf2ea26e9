"""`vademecum ask` in a terminal, and the check `vademecum serve` makes before serving."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.chunking import CHUNKER_VERSION
from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.settings import EmbeddingSettings, Settings
from ingest.version import MANIFEST, read_manifest
from service.cli import ensure_index, format_answer, index_staleness
from service.schema import FollowupAnswer
from tests.conftest import CORPUS, REPO, copy_encoders
from tests.service.conftest import CorpusIndex
from tests.service.helpers import ANSWERED

ONE_ARTICLE = "hyperkalaemia-emergency.md"


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, encoders_dir: DataDir) -> Path:
    """A one-article corpus, its index and the encoder export, ingested once for the module."""
    source = CORPUS / ONE_ARTICLE
    if not source.is_file():
        pytest.fail(f"corpus/{ONE_ARTICLE} is not written yet")
    root = tmp_path_factory.mktemp("small-build")
    (root / "corpus").mkdir()
    shutil.copy2(source, root / "corpus" / ONE_ARTICLE)
    ensure_index(Settings(corpus_dir=root / "corpus", data_dir=root / "data"), out=io.StringIO(), embedder=embedder)
    copy_encoders(encoders_dir, DataDir(root / "data"))
    return root


@pytest.fixture
def small_corpus(tmp_path: Path, small_build: Path) -> Path:
    """A private copy of the one-article corpus, with no index yet."""
    shutil.copytree(small_build / "corpus", tmp_path / "corpus")
    return tmp_path / "corpus"


@pytest.mark.slow
def test_ask_prints_the_answer_with_references_and_disclaimer(corpus_index: CorpusIndex) -> None:
    env = {**os.environ, "VADEMECUM_DATA_DIR": str(corpus_index.data_dir), "VADEMECUM_CORPUS_DIR": str(CORPUS)}
    result = subprocess.run(
        [sys.executable, "-m", "vademecum", "ask", "--no-ingest", ANSWERED["question"]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Answer\n")
    assert "\nReferences\n[1] " in out
    assert "\nRelated questions\n" in out
    assert "For healthcare professionals." in out
    assert "\033[" not in out, "no colour codes when stdout is not a terminal"


def test_format_answer_wraps_and_lists_everything(client: TestClient) -> None:
    answer = FollowupAnswer.model_validate(client.post("/v1/followups", json=ANSWERED).json())

    page = format_answer(answer, width=72)

    assert all(len(line) <= 72 for line in page.splitlines() if "doi.org" not in line)
    assert page.count("\n[") == len(answer.references)
    assert "**" not in page and "\\[" not in page
    assert answer.disclaimer.split()[0] in page


def test_index_built_from_the_corpus_is_current(small_build: Path) -> None:
    settings = Settings(corpus_dir=small_build / "corpus", data_dir=small_build / "data")

    assert index_staleness(settings) is None


def test_index_is_stale_when_a_corpus_file_is_newer(small_build: Path, tmp_path: Path) -> None:
    settings = _copy_build(small_build, tmp_path)
    later = time.time() + 60
    os.utime(Path(settings.corpus_dir) / ONE_ARTICLE, (later, later))

    assert "changed after index" in (index_staleness(settings) or "")


def test_index_is_stale_when_a_corpus_file_is_not_in_it(small_build: Path, tmp_path: Path) -> None:
    settings = _copy_build(small_build, tmp_path)
    copied = Path(settings.corpus_dir) / "copied-article.md"
    shutil.copy2(Path(settings.corpus_dir) / ONE_ARTICLE, copied)
    os.utime(copied, (0, 0))

    assert "is not in index" in (index_staleness(settings) or "")


def test_index_is_stale_while_no_encoder_is_exported(small_build: Path, tmp_path: Path) -> None:
    settings = _copy_build(small_build, tmp_path)
    shutil.rmtree(DataDir(settings.data_dir).encoders)

    assert "no int8 encoder exported" in (index_staleness(settings) or "")


def test_index_is_stale_when_it_holds_vectors_of_another_encoder(small_build: Path, tmp_path: Path) -> None:
    settings = _copy_build(small_build, tmp_path).model_copy(update={"embedding": EmbeddingSettings(encoder="torch")})

    assert "holds int8 vectors, the configured encoder is torch" in (index_staleness(settings) or "")


def test_index_is_stale_when_another_chunker_cut_it(small_build: Path, tmp_path: Path) -> None:
    settings = _copy_build(small_build, tmp_path)
    directory = DataDir(settings.data_dir).active_version_dir()
    manifest = read_manifest(directory)
    (directory / MANIFEST).write_text(manifest.model_copy(update={"chunker_version": "c0"}).model_dump_json())

    assert f"was cut by chunker c0, this is {CHUNKER_VERSION}" in (index_staleness(settings) or "")


@pytest.mark.slow
def test_ensure_index_writes_a_missing_encoder_export_without_a_new_version(small_build: Path, tmp_path: Path) -> None:
    settings = _copy_build(small_build, tmp_path)
    data_dir = DataDir(settings.data_dir)
    shutil.rmtree(data_dir.encoders)
    before = data_dir.read_pointer()

    ensure_index(settings, out=io.StringIO())

    assert index_staleness(settings) is None
    assert data_dir.read_pointer() == before


def _copy_build(build: Path, into: Path) -> Settings:
    """A private copy of the corpus and its index (file times kept), the manifest pointing at the copy."""
    from ingest.version import read_manifest, write_manifest

    shutil.copytree(build, into / "build", ignore=shutil.ignore_patterns("LOCK"))
    settings = Settings(corpus_dir=into / "build" / "corpus", data_dir=into / "build" / "data")
    directory = DataDir(settings.data_dir).active_version_dir()
    manifest = read_manifest(directory)
    for entry in manifest.articles.values():
        if entry.source_path:
            entry.source_path = entry.source_path.replace(str(build), str(into / "build"))
    write_manifest(directory, manifest)
    assert index_staleness(settings) is None
    return settings


def test_serve_ingests_first_when_the_index_is_missing(
    small_corpus: Path, tmp_path: Path, embedder: Embedder, encoders_dir: DataDir
) -> None:
    settings = Settings(corpus_dir=small_corpus, data_dir=tmp_path / "data")
    copy_encoders(encoders_dir, DataDir(tmp_path / "data"))  # the export in place, as an earlier ingest leaves it
    out = io.StringIO()

    reason = ensure_index(settings, out=out, embedder=embedder)

    assert reason is not None and reason.startswith("no usable index")
    assert index_staleness(settings) is None
    assert ensure_index(settings, out=out, embedder=embedder) is None, "a current index is left alone"


@pytest.mark.slow
def test_serve_ingests_in_a_child_process_that_also_exports_the_question_encoder(
    small_corpus: Path, tmp_path: Path
) -> None:
    settings = Settings(corpus_dir=small_corpus, data_dir=tmp_path / "data")
    out = io.StringIO()

    reason = ensure_index(settings, out=out)

    assert reason is not None and reason.startswith("no usable index"), out.getvalue()
    assert index_staleness(settings) is None, "the child wrote the index and the encoder where the settings say"
    assert "exited with code" not in out.getvalue()
