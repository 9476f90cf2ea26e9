"""A corrupt index version (issue 6, "Faults"): one file truncated, garbled or deleted.

Reading names the version and the file; a normal ingest refuses and points to `ingest --rebuild`,
which replaces the corrupt version and keeps its articles.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import ingest.cli
from ingest.cli import EXIT_FAILED, EXIT_OK
from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.pipeline import IngestOptions, run_ingest
from ingest.settings import Settings
from ingest.store import make_client
from ingest.version import (
    CHROMA_DIR,
    CHUNKS,
    EMBEDDINGS,
    MANIFEST,
    IndexCorruptError,
    read_articles,
    read_manifest,
    verify_version,
)
from tests.ingest.articles import write_corpus
from tests.ingest.faults import (
    EMBEDDED,
    QUERY,
    add_reused_article,
    assert_no_traceback,
    digest,
    first_version,
    truncate_embeddings,
    versions_in,
)
from tests.ingest.index_view import chroma_query
from tests.ingest.test_cli import _index_command, _vademecum

pytestmark = pytest.mark.slow


# --- a corrupt version --------------------------------------------------------------------------


def _garble_chunks(directory: Path) -> None:
    lines = (directory / CHUNKS).read_text(encoding="utf-8").splitlines(keepends=True)
    (directory / CHUNKS).write_text(lines[0] + "{ this is not a passage\n" + "".join(lines[2:]), encoding="utf-8")


def _delete_chroma(directory: Path) -> None:
    shutil.rmtree(directory / CHROMA_DIR)


def _break_manifest(directory: Path) -> None:
    text = (directory / MANIFEST).read_text(encoding="utf-8")
    (directory / MANIFEST).write_text(text[: len(text) // 2], encoding="utf-8")


# name -> (damage, the file the error names, words of its reason)
CORRUPTIONS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "truncated-embeddings": (truncate_embeddings, EMBEDDINGS, "not a readable .npy array"),
    "garbage-chunks": (_garble_chunks, CHUNKS, "line 2: Invalid JSON"),
    "deleted-chroma": (_delete_chroma, CHROMA_DIR, "missing"),
    "bad-manifest": (_break_manifest, MANIFEST, "Invalid JSON"),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> DataDir:
    root = tmp_path_factory.mktemp("pristine")
    data_dir = DataDir(root / "data")
    first_version(root / "corpus", data_dir, embedder, EMBEDDED)
    return data_dir


def _damaged_copy(name: str, pristine: DataDir, tmp_path: Path) -> tuple[DataDir, str, str]:
    damage, file, reason = CORRUPTIONS[name]
    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(pristine.root, data_dir.root)
    damage(data_dir.active_version_dir())
    return data_dir, file, reason


@pytest.fixture(params=sorted(CORRUPTIONS))
def damaged(request: pytest.FixtureRequest, pristine: DataDir, tmp_path: Path) -> tuple[DataDir, str, str]:
    """A copy of a one-version index with one file damaged; returns it, the file and the reason's words."""
    return _damaged_copy(request.param, pristine, tmp_path)


# A rebuild takes one of two paths: the corrupt version's manifest is readable, or it is not.
@pytest.fixture(params=["bad-manifest", "garbage-chunks"])
def damaged_for_rebuild(request: pytest.FixtureRequest, pristine: DataDir, tmp_path: Path) -> tuple[DataDir, str, str]:
    return _damaged_copy(request.param, pristine, tmp_path)


def test_verify_version_raises_index_corrupt_error_naming_the_version_and_the_file(
    damaged: tuple[DataDir, str, str],
) -> None:
    data_dir, file, reason = damaged
    directory = data_dir.active_version_dir()

    with pytest.raises(IndexCorruptError) as corrupt:
        verify_version(directory)

    assert (corrupt.value.version, corrupt.value.file) == (directory.name, file)
    assert reason in corrupt.value.reason
    assert f"index version {directory.name} is corrupt: {file}: " in str(corrupt.value)
    assert "vademecum ingest --rebuild" in str(corrupt.value)


def test_open_index_on_a_corrupt_version_raises_index_corrupt_error(
    damaged: tuple[DataDir, str, str], embedder: Embedder
) -> None:
    from service.retrieval.index import open_index

    data_dir, file, _ = damaged

    with pytest.raises(IndexCorruptError) as corrupt:
        open_index(data_dir, embedder, EMBEDDED)

    assert (corrupt.value.version, corrupt.value.file) == (data_dir.active_version_dir().name, file)


def test_open_index_on_a_version_whose_chroma_lacks_its_collection_raises_index_corrupt_error(
    pristine: DataDir, embedder: Embedder, tmp_path: Path
) -> None:
    from service.retrieval.index import open_index

    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(pristine.root, data_dir.root)
    directory = data_dir.active_version_dir()
    name = read_manifest(directory).passages_collection
    client = make_client(EMBEDDED, directory / CHROMA_DIR)
    client.delete_collection(name)
    client.close()  # type: ignore[attr-defined]

    with pytest.raises(IndexCorruptError) as corrupt:
        open_index(data_dir, embedder, EMBEDDED)

    assert (corrupt.value.version, corrupt.value.file) == (directory.name, f"{CHROMA_DIR} collection {name}")


def test_index_status_reports_a_corrupt_active_version_and_exits_3(
    damaged: tuple[DataDir, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, file, _ = damaged

    assert _index_command(["status"], data_dir) == EXIT_FAILED

    out, err = capsys.readouterr()
    assert f"active index version: {data_dir.active_version_dir().name} CORRUPT ({file}: " in out
    assert "vademecum ingest --rebuild" in err


def test_a_normal_ingest_on_a_corrupt_active_version_refuses_and_writes_nothing(
    damaged: tuple[DataDir, str, str], embedder: Embedder, tmp_path: Path
) -> None:
    data_dir, file, _ = damaged
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    add_reused_article(corpus)
    before = digest(data_dir.root)

    with pytest.raises(IndexCorruptError) as corrupt:
        run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=EMBEDDED)

    assert corrupt.value.file == file
    assert digest(data_dir.root) == before


def test_the_ingest_command_on_a_corrupt_active_version_exits_3_pointing_to_rebuild(
    pristine: DataDir, tmp_path: Path
) -> None:
    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(pristine.root, data_dir.root)
    _break_manifest(data_dir.active_version_dir())
    write_corpus(tmp_path / "corpus")

    result = _vademecum("ingest", "--quiet", str(tmp_path / "corpus"), data_dir=data_dir, chroma=EMBEDDED)

    assert result.returncode == EXIT_FAILED
    assert f"is corrupt: {MANIFEST}: " in result.stderr and "vademecum ingest --rebuild" in result.stderr
    assert_no_traceback(result)


def test_ingest_rebuild_replaces_a_corrupt_active_version_and_keeps_its_articles(
    damaged_for_rebuild: tuple[DataDir, str, str], embedder: Embedder, tmp_path: Path
) -> None:
    data_dir, file, _ = damaged_for_rebuild
    corrupt_version = data_dir.active_version_dir().name
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ["asthma", "sepsis"])  # hyperkalaemia is indexed but not in PATHS: it carries over

    report = run_ingest(
        [corpus], data_dir=data_dir, embedder=embedder, chroma=EMBEDDED, options=IngestOptions(rebuild=True)
    )

    assert report.ok and report.version is not None
    assert any(f"index version {corrupt_version} is corrupt ({file}: " in w for w in report.warnings)
    directory = data_dir.active_version_dir()
    assert directory.name == report.version
    verify_version(directory)
    assert set(read_articles(directory)) == {"asthma", "hyperkalaemia", "sepsis"}
    assert chroma_query(directory, EMBEDDED, embedder, QUERY)["ids"]
    # The corrupt version is not kept as a rollback target, and is gone from disk.
    pointer = data_dir.read_pointer()
    assert pointer is not None and (pointer.version, pointer.previous) == (report.version, [])
    assert versions_in(data_dir) == {report.version}


def test_ingest_rebuild_with_unreadable_articles_builds_from_paths_with_a_warning(
    pristine: DataDir, embedder: Embedder, tmp_path: Path
) -> None:
    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(pristine.root, data_dir.root)
    (data_dir.active_version_dir() / "articles.jsonl").write_text("garbage\n", encoding="utf-8")
    write_corpus(tmp_path / "corpus", ["asthma", "sepsis"])

    report = run_ingest(
        [tmp_path / "corpus"],
        data_dir=data_dir,
        embedder=embedder,
        chroma=EMBEDDED,
        options=IngestOptions(rebuild=True),
    )

    assert report.ok and report.version is not None
    assert any("building from PATHS only" in w for w in report.warnings)
    assert set(read_articles(data_dir.active_version_dir())) == {"asthma", "sepsis"}


def test_the_rebuild_command_prints_the_warning_and_exits_0(
    pristine: DataDir,
    embedder: Embedder,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(pristine.root, data_dir.root)
    truncate_embeddings(data_dir.active_version_dir())
    write_corpus(tmp_path / "corpus")
    # In-process with the session's model: a subprocess would spend its time loading the model again.
    parser = argparse.ArgumentParser(prog="vademecum")
    ingest.cli.add_ingest_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["ingest", "--rebuild", "--quiet", str(tmp_path / "corpus")])

    code = ingest.cli.run_ingest_command(args, Settings(data_dir=data_dir.root), embedder=embedder)

    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert f"warning: index version {pristine.active_version_dir().name} is corrupt ({EMBEDDINGS}: " in err
    assert "active index version: " in out
    verify_version(data_dir.active_version_dir())
