"""The data directory: atomic pointer switch, rollback, clean-up of stale versions, and the writer lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from ingest.layout import (
    BUILD_PREFIX,
    DataDir,
    IndexBusyError,
    IndexMissingError,
    NoPreviousVersionError,
    Pointer,
    WriterLock,
    new_version_id,
)

HOLD_LOCK = """
import sys, time
from pathlib import Path
from ingest.layout import DataDir, WriterLock
with WriterLock(DataDir(Path(sys.argv[1]))):
    print("locked", flush=True)
    time.sleep(60)
"""


def _make_versions(data_dir: DataDir, *names: str) -> None:
    for name in names:
        (data_dir.versions / name).mkdir(parents=True)


def test_switch_to_names_the_new_version_and_keeps_the_old_one_as_previous(data_dir: DataDir) -> None:
    data_dir.switch_to("v1", keep_previous=1)

    pointer = data_dir.switch_to("v2", keep_previous=1)

    assert data_dir.read_pointer() == pointer
    assert (pointer.version, pointer.previous) == ("v2", ["v1"])


def test_switch_to_remembers_at_most_keep_previous_versions(data_dir: DataDir) -> None:
    for version in ("v1", "v2", "v3", "v4"):
        data_dir.switch_to(version, keep_previous=2)

    pointer = data_dir.read_pointer()

    assert pointer is not None
    assert (pointer.version, pointer.previous) == ("v4", ["v3", "v2"])


def test_a_pointer_write_that_fails_before_the_rename_leaves_the_old_pointer(
    data_dir: DataDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir.switch_to("v1", keep_previous=1)
    before = data_dir.pointer_path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr("ingest.layout.os.replace", crash)
    with pytest.raises(OSError, match="simulated"):
        data_dir.switch_to("v2", keep_previous=1)

    assert data_dir.pointer_path.read_bytes() == before


def test_readers_never_see_a_partly_written_pointer(data_dir: DataDir) -> None:
    data_dir.switch_to("v0", keep_previous=1)
    done = threading.Event()

    def switch_many() -> None:
        for i in range(1, 200):
            data_dir.switch_to(f"v{i}-" + "x" * 2000, keep_previous=3)
        done.set()

    writer = threading.Thread(target=switch_many)
    writer.start()
    seen: list[Pointer | None] = []
    while not done.is_set():
        seen.append(data_dir.read_pointer())  # raises if it ever reads a half-written file
    writer.join()

    assert all(p is not None for p in seen)


def test_active_version_dir_raises_when_nothing_was_ingested(data_dir: DataDir) -> None:
    with pytest.raises(IndexMissingError, match="run `vademecum ingest` first"):
        data_dir.active_version_dir()


def test_active_version_dir_raises_when_the_pointer_names_a_missing_version(data_dir: DataDir) -> None:
    data_dir.switch_to("gone", keep_previous=1)

    with pytest.raises(IndexMissingError, match="gone"):
        data_dir.active_version_dir()


def test_remove_stale_deletes_unfinished_builds_and_versions_neither_active_nor_kept(data_dir: DataDir) -> None:
    _make_versions(data_dir, "v1", "v2", "v3", f"{BUILD_PREFIX}v4")
    data_dir.switch_to("v2", keep_previous=1)
    data_dir.switch_to("v3", keep_previous=1)
    dropped: list[str] = []

    removed = data_dir.remove_stale(on_remove=dropped.append)

    assert sorted(removed) == [f"{BUILD_PREFIX}v4", "v1"]
    assert sorted(dropped) == ["v1", "v4"]
    assert sorted(p.name for p in data_dir.versions.iterdir()) == ["v2", "v3"]


def test_rollback_makes_the_previous_version_active(data_dir: DataDir) -> None:
    _make_versions(data_dir, "v1", "v2", "v3")
    for version in ("v1", "v2", "v3"):
        data_dir.switch_to(version, keep_previous=2)

    pointer = data_dir.rollback()

    assert (pointer.version, pointer.previous) == ("v2", ["v1"])
    assert data_dir.read_pointer() == pointer
    assert data_dir.active_version_dir() == data_dir.version_dir("v2")


def test_rollback_skips_kept_versions_whose_directory_is_gone(data_dir: DataDir) -> None:
    _make_versions(data_dir, "v1", "v3")
    for version in ("v1", "v2", "v3"):
        data_dir.switch_to(version, keep_previous=2)

    assert data_dir.rollback().version == "v1"


def test_rollback_without_a_previous_version_is_refused_and_changes_nothing(data_dir: DataDir) -> None:
    _make_versions(data_dir, "v1")
    data_dir.switch_to("v1", keep_previous=1)
    before = data_dir.pointer_path.read_bytes()

    with pytest.raises(NoPreviousVersionError, match="nothing to roll back to"):
        data_dir.rollback()

    assert data_dir.pointer_path.read_bytes() == before


def test_new_version_ids_sort_in_creation_order() -> None:
    ids = [new_version_id() for _ in range(5)]

    assert len(set(ids)) == 5
    assert sorted(ids, key=lambda v: v.split("-")[0]) == ids


def test_a_second_writer_is_refused_with_a_message_naming_the_holder(data_dir: DataDir) -> None:
    with WriterLock(data_dir), pytest.raises(IndexBusyError) as refused, WriterLock(data_dir):
        pass

    assert f"pid {os.getpid()}" in str(refused.value)
    assert "another ingest is writing" in str(refused.value)


def test_the_lock_is_free_again_after_the_holder_exits(data_dir: DataDir) -> None:
    with WriterLock(data_dir):
        pass

    with WriterLock(data_dir):
        pass


def test_the_lock_is_released_when_the_holder_is_killed(data_dir: DataDir) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(data_dir.root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexBusyError, match=f"pid {holder.pid} "):
            WriterLock(data_dir).__enter__()

        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)

        with WriterLock(data_dir):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
