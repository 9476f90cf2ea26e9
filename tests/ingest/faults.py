"""Shared parts of the ingest fault tests: small and read-only filesystems, index digests, cheap changes.

Mounting needs root (CAP_SYS_ADMIN): without it the tests that mount skip and say why. Changes that
killed and failed runs ingest are chosen so every vector is reused from the previous version: the
`vademecum` subprocesses then never load the embedding model and stay fast.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.embedding import Embedder, OnnxEmbedder
from ingest.layout import DataDir
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings
from ingest.version import EMBEDDINGS
from tests.conftest import install_encoder
from tests.ingest.articles import write_article, write_corpus

# Where `kill -9` hits an ingest, in pipeline order (stages printed by tests/ingest/ingest_driver.py).
KILL_POINTS = ("indexing BM25", "writing Chroma", "switch")
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


def fill_leaving(directory: Path, leave: int) -> Path:
    """A ballast file that leaves only `leave` bytes free on the filesystem of `directory`."""
    stats = os.statvfs(directory)
    ballast = directory / "ballast"
    with ballast.open("wb") as handle:
        handle.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))
    return ballast


# --- index helpers ------------------------------------------------------------------------------


def digest(directory: Path) -> dict[str, str]:
    """sha256 of every file under `directory` but the lock's note: equal digests mean nothing was written."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != "LOCK"
    }


def versions_in(data_dir: DataDir) -> set[str]:
    return {path.name for path in data_dir.versions.iterdir()}


def first_version(corpus: Path, data_dir: DataDir, embedder: Embedder, chroma: ChromaSettings) -> str:
    if isinstance(embedder, OnnxEmbedder):  # the export a `vademecum ingest` on this data directory loads
        install_encoder(embedder, data_dir)
    write_corpus(corpus)
    report = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=chroma)
    assert report.ok and report.version is not None
    return report.version


def add_reused_article(corpus: Path) -> None:
    """A new article whose passages and question are textually those of `asthma`: all vectors are reused."""
    write_article(corpus, "asthma-2", summary=ASTHMA_SUMMARY)


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def truncate_embeddings(directory: Path) -> None:
    """Damage a built version: its vectors file cut in half."""
    data = (directory / EMBEDDINGS).read_bytes()
    (directory / EMBEDDINGS).write_bytes(data[: len(data) // 2])
