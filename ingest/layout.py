"""The data directory: index versions, the active-version pointer, and the writer lock.

    data/
      ACTIVE                 {"version": ..., "previous": [...]}: replaced atomically (rename) to switch
      LOCK                   flock'ed by the one writer; the kernel releases it if the writer dies
      versions/<version>/    a complete, immutable index version
      versions/.build-<v>/   a version being built; never read, removed by the next writer
      encoders/<model>-<fp>-<precision>-v<n>/ the ONNX encoder ingest and service embed with (ingest.embedding.encoders)

Readers only ever open the version ACTIVE names, so a writer killed at any point leaves them untouched.
A writer that fails (disk full, read-only filesystem) removes what it wrote and raises IndexWriteError.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from pydantic import BaseModel

BUILD_PREFIX = ".build-"


class Pointer(BaseModel):
    version: str
    previous: list[str] = []
    switched_at: str = ""


class IndexBusyError(Exception):
    """Another writer holds the lock."""


class IndexWriteError(Exception):
    """The index could not be written (disk full, read-only filesystem, I/O error); the active version is unchanged."""


class IndexMissingError(Exception):
    """No active index version (nothing ingested yet, or the pointer names a missing version)."""


class NoPreviousVersionError(Exception):
    """A rollback was asked for, but no earlier version is kept."""


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    @property
    def pointer_path(self) -> Path:
        return self.root / "ACTIVE"

    @property
    def lock_path(self) -> Path:
        return self.root / "LOCK"

    @property
    def encoders(self) -> Path:
        """The ONNX exports of the encoder ingest and the service embed with (ingest.embedding.encoders)."""
        return self.root / "encoders"

    def version_dir(self, version: str) -> Path:
        return self.versions / version

    def build_dir(self, version: str) -> Path:
        return self.versions / f"{BUILD_PREFIX}{version}"

    def read_pointer(self) -> Pointer | None:
        try:
            return Pointer.model_validate_json(self.pointer_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def active_version_dir(self) -> Path:
        pointer = self.read_pointer()
        if pointer is None:
            raise IndexMissingError(f"no index in {self.root}: run `vademecum ingest` first")
        directory = self.version_dir(pointer.version)
        if not directory.is_dir():
            raise IndexMissingError(f"{self.pointer_path} names version {pointer.version}, which is missing")
        return directory

    def switch_to(self, version: str, keep_previous: int, *, skip: Collection[str] = ()) -> Pointer:
        """Make `version` the active one with one atomic rename; remember older ones for rollback.

        Versions in `skip` (a corrupt one being replaced) are not kept: rolling back to them would serve
        nothing, and they would take the place of an intact older version.
        """
        old = self.read_pointer()
        history = [v for v in ([old.version, *old.previous] if old else []) if v not in skip][:keep_previous]
        pointer = Pointer(
            version=version,
            previous=[v for v in history if v != version],
            switched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        write_atomically(self.pointer_path, pointer.model_dump_json(indent=2))
        return pointer

    def rollback(self) -> Pointer:
        """Make the newest kept previous version active again (one atomic rename). Call under the lock.

        The version rolled back from stays on disk (a running service may still be reading it) until the
        next writer's remove_stale.
        """
        old = self.read_pointer()
        if old is None:
            raise IndexMissingError(f"no index in {self.root}: nothing to roll back")
        kept = [v for v in old.previous if self.version_dir(v).is_dir()]
        if not kept:
            raise NoPreviousVersionError(f"no previous index version is kept in {self.root}: nothing to roll back to")
        target = kept[0]
        pointer = Pointer(
            version=target,
            previous=kept[1:],
            switched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        write_atomically(self.pointer_path, pointer.model_dump_json(indent=2))
        return pointer

    def remove_stale(self, on_remove: Callable[[str], None] | None = None) -> list[str]:
        """Delete builds that never finished and versions neither active nor kept. Call under the lock."""
        pointer = self.read_pointer()
        keep = {pointer.version, *pointer.previous} if pointer else set()
        removed: list[str] = []
        # The temp file of a pointer switch that was killed or failed half-way (see write_atomically).
        for temp in self.root.glob(f".{self.pointer_path.name}.*.tmp"):
            temp.unlink(missing_ok=True)
        if not self.versions.is_dir():
            return removed
        for entry in sorted(self.versions.iterdir()):
            name = entry.name.removeprefix(BUILD_PREFIX)
            if entry.name in keep or not entry.is_dir():
                continue
            if on_remove is not None:
                on_remove(name)
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
        return removed


def new_version_id() -> str:
    """Sortable by creation time (UTC, milliseconds) and unique (a random suffix)."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{stamp}{int(now * 1000) % 1000:03d}-{secrets.token_hex(3)}"


def write_atomically(path: Path, text: str) -> None:
    """Write a sibling temp file, fsync it, then rename over `path`: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        # A full disk fails the write or the fsync: leave no half-written temp file behind.
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WriterLock:
    """An exclusive, non-blocking flock on data/LOCK: a second writer is refused at once, never waits."""

    def __init__(self, data_dir: DataDir) -> None:
        self._data_dir = data_dir
        self._handle: IO[str] | None = None

    def __enter__(self) -> WriterLock:
        try:
            self._data_dir.root.mkdir(parents=True, exist_ok=True)
            handle = self._data_dir.lock_path.open("a+", encoding="utf-8")
        except OSError as error:
            # A read-only data directory fails here, before anything is written: say so, not a traceback.
            reason = error.strerror or str(error)
            raise IndexWriteError(
                f"cannot write to the data directory {self._data_dir.root}: {reason}; nothing was changed"
            ) from error
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise IndexBusyError(
                f"another ingest is writing to {self._data_dir.root} ({holder}); try again when it has finished"
            ) from None
        note = f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        try:
            # Unbuffered, so a failed write leaves nothing pending for close() to fail on again.
            os.ftruncate(handle.fileno(), 0)
            os.write(handle.fileno(), note.encode())
        except OSError:
            pass  # the note only names the holder for others; a full disk must fail in the build, not here
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
