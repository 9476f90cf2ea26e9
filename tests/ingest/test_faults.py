"""Faults an ingest must survive (issue 6, "Faults"), each shown with real processes and real files.

- disk full: a small tmpfs filled by a ballast file, so the next write fails with ENOSPC;
- a read-only data directory: a read-only bind mount of a built index (root ignores chmod);
- a corrupt version: one file truncated, garbled or deleted;
- two ingests at once, and `kill -9` at several points in a row.

Mounting needs root (CAP_SYS_ADMIN): without it those tests skip and say why. The expensive scenarios
run once per module and each test asserts one behaviour of the recorded outcome. Changes that the
killed and failed runs ingest are chosen so every vector is reused from the previous version: the
`vademecum` subprocesses then never load the embedding model and stay fast.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaClientSettings
from chromadb.errors import ChromaError

import ingest.cli
from ingest.bm25 import Bm25Index
from ingest.cli import EXIT_BUSY, EXIT_FAILED, EXIT_OK
from ingest.embedding import Embedder
from ingest.layout import BUILD_PREFIX, DataDir, IndexWriteError
from ingest.pipeline import IngestOptions, IngestReport, run_ingest
from ingest.settings import ChromaSettings, Settings
from ingest.store import ChromaReadOnlyError, make_client
from ingest.version import (
    BM25_DIR,
    CHROMA_DB,
    CHROMA_DIR,
    CHUNKS,
    EMBEDDINGS,
    MANIFEST,
    IndexCorruptError,
    read_articles,
    read_chunks,
    read_manifest,
    read_vectors,
    verify_version,
)
from tests.ingest.articles import write_article, write_corpus
from tests.ingest.index_view import chroma_query
from tests.ingest.test_cli import _index_command, _vademecum
from tests.ingest.test_crash_safety import _kill_at

pytestmark = pytest.mark.slow

QUERY = "How is potassium lowered quickly?"
EMBEDDED = ChromaSettings()
ASTHMA_SUMMARY = "This article answers the question about asthma. It is short."


# --- mounts -------------------------------------------------------------------------------------


def _mount(*args: str) -> None:
    if shutil.which("mount") is None:
        pytest.skip("needs the `mount` command to make a small or read-only filesystem")
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"needs permission to mount (root): `mount {' '.join(args)}` failed: {result.stderr.strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextmanager
def small_filesystem(directory: Path, size_kib: int) -> Iterator[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(directory))
    try:
        yield directory
    finally:
        _umount(directory)


@contextmanager
def read_only_view(source: Path, target: Path) -> Iterator[Path]:
    """`target` shows `source` through a read-only bind mount: every write there fails with EROFS."""
    target.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(source), str(target))
    try:
        remount = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], capture_output=True, text=True, check=False
        )
        if remount.returncode != 0:
            pytest.skip(f"needs a read-only bind mount: {remount.stderr.strip()}")
        yield target
    finally:
        _umount(target)


def _fill(directory: Path, leave: int) -> Path:
    """A ballast file that leaves only `leave` bytes free on the filesystem of `directory`."""
    stats = os.statvfs(directory)
    ballast = directory / "ballast"
    with ballast.open("wb") as handle:
        handle.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))
    return ballast


# --- index helpers ------------------------------------------------------------------------------


def _digest(directory: Path) -> dict[str, str]:
    """sha256 of every file under `directory` but the lock's note: equal digests mean nothing was written."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != "LOCK"
    }


def _versions(data_dir: DataDir) -> set[str]:
    return {path.name for path in data_dir.versions.iterdir()}


def _first_version(corpus: Path, data_dir: DataDir, embedder: Embedder, chroma: ChromaSettings) -> str:
    write_corpus(corpus)
    report = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=chroma)
    assert report.ok and report.version is not None
    return report.version


def _add_reused_article(corpus: Path) -> None:
    """A new article whose passages and question are textually those of `asthma`: all vectors are reused."""
    write_article(corpus, "asthma-2", summary=ASTHMA_SUMMARY)


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


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
def disk_full(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[DiskFull]:
    """`vademecum ingest` on a full disk, then the same ingest once the space is freed."""
    root = tmp_path_factory.mktemp("disk-full")
    corpus = root / "corpus"
    with small_filesystem(root / "fs", 4096) as fs:
        data_dir = DataDir(fs / "data")
        first = _first_version(corpus, data_dir, embedder, EMBEDDED)
        served = data_dir.version_dir(first)
        # Taken before any Chroma open, which writes (see ingest.store); ACTIVE is part of it.
        served_before = {**_digest(served), "ACTIVE": data_dir.pointer_path.read_text()}
        _add_reused_article(corpus)
        ballast = _fill(fs, leave=0)

        failed = _vademecum("ingest", "--quiet", str(corpus), data_dir=data_dir, chroma=EMBEDDED)

        versions_after_failure = _versions(data_dir)
        served_after_failure = {**_digest(served), "ACTIVE": data_dir.pointer_path.read_text()}
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
            versions_after_rerun=_versions(data_dir),
        )


def test_disk_full_ingest_exits_3_with_a_clear_message_and_no_traceback(disk_full: DiskFull) -> None:
    result = disk_full.failed

    assert result.returncode == EXIT_FAILED, result.stderr
    assert "vademecum ingest: could not write index version" in result.stderr
    assert "No space left on device" in result.stderr
    assert f"the active version {disk_full.first} is unchanged" in result.stderr
    _no_traceback(result)


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
    first = _first_version(corpus, small_data_dir, embedder, EMBEDDED)
    served = small_data_dir.version_dir(first)
    before = _digest(served)
    _add_reused_article(corpus)
    # Room for the version's own files (tmpfs counts whole pages) and some slack, but not for its Chroma.
    room = 64 * 1024 + sum(-(-size // 4096) * 4096 for name, size in _sizes(served).items() if name != CHROMA_DIR)
    assert room < _sizes(served)[CHROMA_DIR]
    _fill(small_data_dir.root.parent, leave=room)

    with pytest.raises(IndexWriteError, match=f"the active version {first} is unchanged") as failed:
        run_ingest([corpus], data_dir=small_data_dir, embedder=embedder, chroma=EMBEDDED)

    assert isinstance(failed.value.__cause__, ChromaError)
    assert "Chroma: " in str(failed.value)
    assert _versions(small_data_dir) == {first}
    assert _digest(served) == before


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
    _fill(small_data_dir.root.parent, leave=0)

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
    version = _first_version(root / "corpus", source, embedder, EMBEDDED)
    _add_reused_article(root / "corpus")
    with read_only_view(source.root.parent, root / "view") as view:
        yield ReadOnly(source=source, view=DataDir(view / "data"), corpus=root / "corpus", version=version)


def test_ingest_into_a_read_only_data_dir_exits_3_with_a_clear_message_and_writes_nothing(
    read_only: ReadOnly,
) -> None:
    before = _digest(read_only.source.root)

    result = _vademecum("ingest", "--quiet", str(read_only.corpus), data_dir=read_only.view, chroma=EMBEDDED)

    assert result.returncode == EXIT_FAILED, result.stderr
    assert f"cannot write to the data directory {read_only.view.root}: Read-only file system" in result.stderr
    assert "nothing was changed" in result.stderr
    _no_traceback(result)
    assert _digest(read_only.source.root) == before


def test_every_file_of_the_active_version_reads_on_a_read_only_data_dir(read_only: ReadOnly) -> None:
    directory = read_only.view.active_version_dir()

    manifest = verify_version(directory)

    chunks = read_chunks(directory)
    assert read_vectors(directory / EMBEDDINGS).shape == (manifest.passage_count, manifest.dimension)
    hits = Bm25Index(directory / BM25_DIR, len(chunks)).search("potassium insulin", k=3)
    assert {chunks[row].article_id for row, _ in hits} == {"hyperkalaemia"}


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
    from service.index import open_index

    with pytest.raises(ChromaReadOnlyError):
        open_index(read_only.view, embedder, EMBEDDED)


# --- a corrupt version --------------------------------------------------------------------------


def _truncate_embeddings(directory: Path) -> None:
    data = (directory / EMBEDDINGS).read_bytes()
    (directory / EMBEDDINGS).write_bytes(data[: len(data) // 2])


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
    "truncated-embeddings": (_truncate_embeddings, EMBEDDINGS, "not a readable .npy array"),
    "garbage-chunks": (_garble_chunks, CHUNKS, "line 2: Invalid JSON"),
    "deleted-chroma": (_delete_chroma, CHROMA_DIR, "missing"),
    "bad-manifest": (_break_manifest, MANIFEST, "Invalid JSON"),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> DataDir:
    root = tmp_path_factory.mktemp("pristine")
    data_dir = DataDir(root / "data")
    _first_version(root / "corpus", data_dir, embedder, EMBEDDED)
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
    from service.index import open_index

    data_dir, file, _ = damaged

    with pytest.raises(IndexCorruptError) as corrupt:
        open_index(data_dir, embedder, EMBEDDED)

    assert (corrupt.value.version, corrupt.value.file) == (data_dir.active_version_dir().name, file)


def test_open_index_on_a_version_whose_chroma_lacks_its_collection_raises_index_corrupt_error(
    pristine: DataDir, embedder: Embedder, tmp_path: Path
) -> None:
    from service.index import open_index

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
    _add_reused_article(corpus)
    before = _digest(data_dir.root)

    with pytest.raises(IndexCorruptError) as corrupt:
        run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=EMBEDDED)

    assert corrupt.value.file == file
    assert _digest(data_dir.root) == before


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
    _no_traceback(result)


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
    assert _versions(data_dir) == {report.version}


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
    _truncate_embeddings(data_dir.active_version_dir())
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


# --- two ingests at once, and kill -9 at several points in a row ---------------------------------


@dataclass
class Killed:
    data_dir: DataDir
    chroma: ChromaSettings
    first: str
    refused: subprocess.CompletedProcess[str] | None = None
    holder_pid: int = 0
    after_kill: dict[str, set[str]] = field(default_factory=dict)
    final: IngestReport | None = None
    final_versions: set[str] = field(default_factory=set)
    final_root: set[str] = field(default_factory=set)


KILL_POINTS = ("indexing BM25", "writing Chroma", "switch")


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Killed:
    """Ingests SIGKILLed at several points in a row, a second ingest tried while the first one runs, then
    one complete ingest."""
    root = tmp_path_factory.mktemp("killed")
    port = os.environ.get("VADEMECUM_TEST_CHROMA_PORT")
    chroma = ChromaSettings(mode="http", host="127.0.0.1", port=int(port)) if port else EMBEDDED
    data_dir = DataDir(root / "data")
    corpus = root / "corpus"
    state = Killed(data_dir=data_dir, chroma=chroma, first=_first_version(corpus, data_dir, embedder, chroma))
    _add_reused_article(corpus)

    def second_ingest(pid: int) -> None:
        state.holder_pid = pid
        state.refused = _vademecum("ingest", "--quiet", str(corpus), data_dir=data_dir, chroma=chroma)

    for point in KILL_POINTS:
        _kill_at(point, corpus, data_dir, chroma, while_paused=second_ingest if point == KILL_POINTS[0] else None)
        state.after_kill[point] = _versions(data_dir)

    state.final = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=chroma)
    state.final_versions = _versions(data_dir)
    state.final_root = {path.name for path in data_dir.root.iterdir()}
    return state


def test_a_second_ingest_is_refused_with_exit_2_while_another_one_runs(killed: Killed) -> None:
    refused = killed.refused

    assert refused is not None and refused.returncode == EXIT_BUSY, refused
    assert f"another ingest is writing to {killed.data_dir.root} (pid {killed.holder_pid} since" in refused.stderr
    _no_traceback(refused)


def test_each_killed_ingest_leaves_at_most_its_own_unfinished_version(killed: Killed) -> None:
    seen: set[str] = set()
    for point in KILL_POINTS:
        leftovers = killed.after_kill[point] - {killed.first}
        assert len(leftovers) <= 1, (point, leftovers)  # the earlier killed runs' leftovers were removed
        assert not leftovers & seen, (point, leftovers)
        seen |= leftovers
    assert len(seen) == len(KILL_POINTS)  # each kill did leave something behind for the next run to remove


def test_the_complete_ingest_after_several_kills_keeps_only_the_active_and_previous_versions(
    killed: Killed,
) -> None:
    final = killed.final

    assert final is not None and final.ok and final.version is not None and final.added == ["asthma-2"]
    assert killed.final_versions == {killed.first, final.version}
    pointer = killed.data_dir.read_pointer()
    assert pointer is not None and (pointer.version, pointer.previous) == (final.version, [killed.first])
    assert killed.final_root == {"ACTIVE", "LOCK", "versions"}  # no temp file of an interrupted switch
    if killed.chroma.mode == "http":  # no collections of killed builds left on the server
        killed_versions = {v.removeprefix(BUILD_PREFIX) for point in KILL_POINTS for v in killed.after_kill[point]}
        names = {c.name for c in make_client(killed.chroma, None).list_collections()}
        stale = killed_versions - {killed.first, final.version}
        assert not {name for name in names for version in stale if name.endswith(f"-{version}")}
