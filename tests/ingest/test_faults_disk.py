"""A full disk and a read-only data directory during ingest (issue 6, "Faults"), with real mounts.

- disk full: a small tmpfs filled by a ballast file, so the next write fails with ENOSPC;
- a read-only data directory: a read-only bind mount of a built index (root ignores chmod).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaClientSettings
from chromadb.errors import ChromaError

from ingest.cli import EXIT_FAILED, EXIT_OK
from ingest.embedding import Embedder
from ingest.layout import DataDir, IndexWriteError
from ingest.pipeline import IngestReport, run_ingest
from ingest.store import ChromaReadOnlyError, make_client
from ingest.version import (
    CHROMA_DB,
    CHROMA_DIR,
    EMBEDDINGS,
    read_chunks,
    read_vectors,
    verify_version,
)
from tests.conftest import copy_encoders
from tests.ingest.faults import (
    EMBEDDED,
    QUERY,
    add_reused_article,
    assert_no_traceback,
    digest,
    fill_leaving,
    first_version,
    read_only_view,
    small_filesystem,
    versions_in,
)
from tests.ingest.index_view import bm25_hits, chroma_query
from tests.ingest.test_cli import _index_command, _vademecum

pytestmark = pytest.mark.slow


# --- disk full ----------------------------------------------------------------------------------


@dataclass
class DiskFull:
    data_dir: DataDir
    first: str
    served_before: dict[str, str]
    failed: subprocess.CompletedProcess[str]
    versions_after_failure: set[str]
    served_after_failure: dict[str, str]
    query_after_failure: dict[str, object]
    rerun: IngestReport
    versions_after_rerun: set[str]


@pytest.fixture(scope="module")
def disk_full(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, encoders_dir: DataDir
) -> Iterator[DiskFull]:
    """`vademecum ingest` on a full disk, then the same ingest once the space is freed."""
    root = tmp_path_factory.mktemp("disk-full")
    corpus = root / "corpus"
    # Room for the encoder export (about 23 MB), which the ingest finds in place and does not write again:
    # the disk fills up while the index version is written.
    with small_filesystem(root / "fs", 64 * 1024) as fs:
        data_dir = DataDir(fs / "data")
        first = first_version(corpus, data_dir, embedder, EMBEDDED)
        copy_encoders(encoders_dir, data_dir)
        served = data_dir.version_dir(first)
        # Taken before any Chroma open, which writes (see ingest.store); ACTIVE is part of it.
        served_before = {**digest(served), "ACTIVE": data_dir.pointer_path.read_text()}
        add_reused_article(corpus)
        ballast = fill_leaving(fs, leave=0)

        failed = _vademecum("ingest", "--quiet", str(corpus), data_dir=data_dir, chroma=EMBEDDED)

        versions_after_failure = versions_in(data_dir)
        served_after_failure = {**digest(served), "ACTIVE": data_dir.pointer_path.read_text()}
        ballast.unlink()
        # Only now: embedded Chroma writes on every open, so even a reader cannot open it on a full disk.
        query_after_failure = chroma_query(served, EMBEDDED, embedder, QUERY)
        rerun = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=EMBEDDED)
        yield DiskFull(
            data_dir=data_dir,
            first=first,
            served_before=served_before,
            failed=failed,
            versions_after_failure=versions_after_failure,
            served_after_failure=served_after_failure,
            query_after_failure=query_after_failure,
            rerun=rerun,
            versions_after_rerun=versions_in(data_dir),
        )


def test_disk_full_ingest_exits_3_with_a_clear_message_and_no_traceback(disk_full: DiskFull) -> None:
    result = disk_full.failed

    assert result.returncode == EXIT_FAILED, result.stderr
    assert "vademecum ingest: could not write index version" in result.stderr
    assert "No space left on device" in result.stderr
    assert f"the active version {disk_full.first} is unchanged" in result.stderr
    assert_no_traceback(result)


def test_disk_full_leaves_the_old_version_byte_identical_and_active(disk_full: DiskFull) -> None:
    assert disk_full.served_after_failure == disk_full.served_before  # the pointer included
    assert disk_full.query_after_failure["ids"]  # and it answers once there is space again


def test_disk_full_removes_the_failed_build_at_once(disk_full: DiskFull) -> None:
    assert disk_full.versions_after_failure == {disk_full.first}


def test_the_ingest_after_space_is_freed_completes(disk_full: DiskFull) -> None:
    rerun = disk_full.rerun

    assert rerun.ok and rerun.version is not None and rerun.added == ["asthma-2"]
    assert disk_full.versions_after_rerun == {disk_full.first, rerun.version}
    verify_version(disk_full.data_dir.active_version_dir())


@pytest.fixture
def small_data_dir(tmp_path: Path) -> Iterator[DataDir]:
    with small_filesystem(tmp_path / "fs", 4096) as fs:
        yield DataDir(fs / "data")


def test_disk_full_inside_chroma_raises_index_write_error_and_removes_the_build(
    small_data_dir: DataDir, corpus: Path, embedder: Embedder
) -> None:
    first = first_version(corpus, small_data_dir, embedder, EMBEDDED)
    served = small_data_dir.version_dir(first)
    before = digest(served)
    add_reused_article(corpus)
    # Room for the version's own files (tmpfs counts whole pages) and some slack, but not for its Chroma.
    room = 64 * 1024 + sum(-(-size // 4096) * 4096 for name, size in _sizes(served).items() if name != CHROMA_DIR)
    assert room < _sizes(served)[CHROMA_DIR]
    fill_leaving(small_data_dir.root.parent, leave=room)

    with pytest.raises(IndexWriteError, match=f"the active version {first} is unchanged") as failed:
        run_ingest([corpus], data_dir=small_data_dir, embedder=embedder, chroma=EMBEDDED)

    assert isinstance(failed.value.__cause__, ChromaError)
    assert "Chroma: " in str(failed.value)
    assert versions_in(small_data_dir) == {first}
    assert digest(served) == before


def _sizes(directory: Path) -> dict[str, int]:
    """Bytes per top-level entry of a version (a folder counts its files)."""
    sizes: dict[str, int] = {}
    for path in directory.rglob("*"):
        if path.is_file():
            top = path.relative_to(directory).parts[0]
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
    return sizes


def test_a_pointer_switch_on_a_full_disk_keeps_the_old_pointer_and_no_temp_file(small_data_dir: DataDir) -> None:
    small_data_dir.root.mkdir()
    small_data_dir.switch_to("v1", keep_previous=1)
    before = small_data_dir.pointer_path.read_bytes()
    fill_leaving(small_data_dir.root.parent, leave=0)

    with pytest.raises(OSError, match="No space left"):
        small_data_dir.switch_to("v2", keep_previous=1)

    assert small_data_dir.pointer_path.read_bytes() == before
    assert [p.name for p in small_data_dir.root.iterdir()] == ["ACTIVE"]


# --- read-only data directory -------------------------------------------------------------------


@dataclass
class ReadOnly:
    source: DataDir
    view: DataDir
    corpus: Path
    version: str


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[ReadOnly]:
    """A built index seen through a read-only bind mount, and a corpus with a change to ingest."""
    root = tmp_path_factory.mktemp("read-only")
    source = DataDir(root / "writable" / "data")
    version = first_version(root / "corpus", source, embedder, EMBEDDED)
    add_reused_article(root / "corpus")
    with read_only_view(source.root.parent, root / "view") as view:
        yield ReadOnly(source=source, view=DataDir(view / "data"), corpus=root / "corpus", version=version)


def test_ingest_into_a_read_only_data_dir_exits_3_with_a_clear_message_and_writes_nothing(
    read_only: ReadOnly,
) -> None:
    before = digest(read_only.source.root)

    result = _vademecum("ingest", "--quiet", str(read_only.corpus), data_dir=read_only.view, chroma=EMBEDDED)

    assert result.returncode == EXIT_FAILED, result.stderr
    assert f"cannot write to the data directory {read_only.view.root}: Read-only file system" in result.stderr
    assert "nothing was changed" in result.stderr
    assert_no_traceback(result)
    assert digest(read_only.source.root) == before


def test_every_file_of_the_active_version_reads_on_a_read_only_data_dir(read_only: ReadOnly) -> None:
    directory = read_only.view.active_version_dir()

    manifest = verify_version(directory)

    assert len(read_chunks(directory)) == manifest.passage_count
    assert read_vectors(directory / EMBEDDINGS).shape == (manifest.passage_count, manifest.dimension)
    assert set(bm25_hits(directory, "potassium insulin")[:3]) == {"hyperkalaemia"}


def test_index_status_works_on_a_read_only_data_dir(read_only: ReadOnly, capsys: pytest.CaptureFixture[str]) -> None:
    assert _index_command(["status"], read_only.view) == EXIT_OK

    assert f"active index version: {read_only.version} (3 articles" in capsys.readouterr().out


def test_embedded_chroma_on_a_read_only_data_dir_raises_chroma_read_only_error_saying_why(
    read_only: ReadOnly,
) -> None:
    persist_dir = read_only.view.active_version_dir() / CHROMA_DIR

    with pytest.raises(ChromaReadOnlyError) as refused:
        make_client(EMBEDDED, persist_dir)

    assert "chroma-core/chroma#1438" in str(refused.value)
    assert "VADEMECUM_CHROMA__MODE=http" in str(refused.value)


def test_chromadb_writes_to_its_database_on_every_open_so_it_cannot_open_read_only(
    read_only: ReadOnly, tmp_path: Path
) -> None:
    """Pins chromadb's behaviour behind ChromaReadOnlyError: when this fails, read-only serving may work."""
    settings = ChromaClientSettings(anonymized_telemetry=False, migrations="validate")
    with pytest.raises(ChromaError, match="attempt to write a readonly database"):
        chromadb.PersistentClient(path=str(read_only.view.active_version_dir() / CHROMA_DIR), settings=settings)

    writable = tmp_path / CHROMA_DIR
    shutil.copytree(read_only.source.active_version_dir() / CHROMA_DIR, writable)
    rows = []
    for _ in range(2):
        client = chromadb.PersistentClient(path=str(writable), settings=settings)
        client.close()  # type: ignore[attr-defined]
        with sqlite3.connect(writable / CHROMA_DB) as database:
            rows.append(database.execute("SELECT COUNT(*) FROM acquire_write").fetchone()[0])
    assert rows[1] == rows[0] + 1


def test_open_index_on_a_read_only_data_dir_fails_with_chroma_read_only_error(
    read_only: ReadOnly, embedder: Embedder
) -> None:
    """What the service meets today: a clear error (readiness false), since it opens embedded Chroma."""
    from service.retrieval.index import open_index

    with pytest.raises(ChromaReadOnlyError):
        open_index(read_only.view, embedder, EMBEDDED)
