"""A run killed with SIGKILL at any point leaves the served version untouched, and the next run completes.

Each test ingests a first version in-process, changes the corpus, starts tests/ingest/ingest_driver.py as
a real subprocess, kills it at one point, checks that readers still see exactly the first version, then
reruns the ingest and checks that it cleans up and finishes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.embedding import Embedder
from ingest.layout import BUILD_PREFIX, DataDir
from ingest.settings import ChromaSettings
from ingest.store import make_client
from ingest.version import read_articles
from tests.ingest.articles import write_article, write_corpus
from tests.ingest.conftest import Ingest
from tests.ingest.index_view import chroma_query

DRIVER = Path(__file__).with_name("ingest_driver.py")
QUERY = "How is potassium lowered quickly?"
TIMEOUT = 120

pytestmark = pytest.mark.slow


def _kill_at(
    stage: str,
    corpus: Path,
    data_dir: DataDir,
    chroma: ChromaSettings,
    while_paused: Callable[[int], None] | None = None,
) -> list[str]:
    """Run the driver until it reports `paused <stage>`, SIGKILL it, and return what it printed.

    `while_paused(pid)` runs first, while the writer is alive at that point (holding the lock, files open).
    """
    errors = data_dir.root.parent / f"driver-{stage.replace(' ', '-')}.err"
    with errors.open("w") as stderr:
        command = [sys.executable, str(DRIVER), "--data", str(data_dir.root), "--chroma", chroma.model_dump_json()]
        driver = subprocess.Popen(
            [*command, "--pause-at", stage, str(corpus)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "TQDM_DISABLE": "1"},
        )
    watchdog = threading.Timer(TIMEOUT, driver.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        assert driver.stdout is not None
        for line in driver.stdout:
            lines.append(line.strip())
            if line.startswith(f"paused {stage}"):
                if while_paused is not None:
                    while_paused(driver.pid)
                os.kill(driver.pid, signal.SIGKILL)
                break
        returncode = driver.wait(timeout=30)
    finally:
        watchdog.cancel()
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert returncode == -signal.SIGKILL, f"not killed at {stage!r}: {lines}\n{errors.read_text()}"
    return lines


def _stopped_midway(line: str, stage: str) -> bool:
    """Whether the driver's last progress line before pausing was `stage` with work still to do."""
    if not line.startswith(f"stage {stage} "):
        return False
    done, total = line.removeprefix(f"stage {stage} ").split("/")
    return 0 < int(done) < int(total)


@pytest.fixture
def served(corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings, embedder: Embedder):
    """A first version being served, then a corpus change that the killed run was ingesting."""
    write_corpus(corpus)
    first = ingest()
    before = {
        "pointer": data_dir.pointer_path.read_bytes(),
        "query": chroma_query(data_dir.version_dir(str(first.version)), chroma_settings, embedder, QUERY),
        "version": first.version,
    }
    write_article(corpus, "migraine")
    write_article(corpus, "hyperkalaemia", bullets=["Nebulised salbutamol also lowers potassium [2]"])
    return before


def _assert_served_version_untouched(
    before: dict[str, object], data_dir: DataDir, chroma: ChromaSettings, embedder: Embedder
) -> None:
    assert data_dir.pointer_path.read_bytes() == before["pointer"]
    directory = data_dir.active_version_dir()
    assert directory.name == before["version"]
    assert chroma_query(directory, chroma, embedder, QUERY) == before["query"]
    assert "migraine" not in read_articles(directory)


def _assert_rerun_completes(
    ingest: Ingest, data_dir: DataDir, chroma: ChromaSettings, embedder: Embedder, before: dict[str, object]
) -> None:
    killed = {p.name.removeprefix(BUILD_PREFIX) for p in data_dir.versions.iterdir()} - {before["version"]}
    report = ingest()

    assert report.ok and report.version is not None
    assert (sorted(report.added), report.updated) == (["migraine"], ["hyperkalaemia"])
    assert sorted(p.name for p in data_dir.versions.iterdir()) == sorted([str(before["version"]), report.version])
    pointer = data_dir.read_pointer()
    assert pointer is not None and (pointer.version, pointer.previous) == (report.version, [before["version"]])
    assert "migraine" in read_articles(data_dir.active_version_dir())
    assert chroma_query(data_dir.active_version_dir(), chroma, embedder, QUERY)["ids"]
    if chroma.mode == "http":  # the killed build's collections were dropped from the server
        names = [c.name for c in make_client(chroma, None).list_collections()]
        assert not [n for n in names for v in killed if n.endswith(f"-{v}")]


def test_kill_during_embedding_leaves_the_served_version_and_the_rerun_completes(
    served: dict[str, object],
    corpus: Path,
    ingest: Ingest,
    data_dir: DataDir,
    chroma_settings: ChromaSettings,
    embedder: Embedder,
) -> None:
    printed = _kill_at("embedding passages", corpus, data_dir, chroma_settings)

    assert _stopped_midway(printed[-2], "embedding passages")
    assert [p.name for p in data_dir.versions.iterdir() if p.name.startswith(BUILD_PREFIX)]
    _assert_served_version_untouched(served, data_dir, chroma_settings, embedder)
    _assert_rerun_completes(ingest, data_dir, chroma_settings, embedder, served)


def test_kill_during_chroma_writes_leaves_the_served_version_and_the_rerun_completes(
    served: dict[str, object],
    corpus: Path,
    ingest: Ingest,
    data_dir: DataDir,
    chroma_settings: ChromaSettings,
    embedder: Embedder,
) -> None:
    printed = _kill_at(
        "writing Chroma",
        corpus,
        data_dir,
        chroma_settings,
        # Readers see the served version unchanged while the writer is alive and mid-write, too.
        while_paused=lambda _: _assert_served_version_untouched(served, data_dir, chroma_settings, embedder),
    )

    assert _stopped_midway(printed[-2], "writing Chroma")
    assert [p.name for p in data_dir.versions.iterdir() if p.name.startswith(BUILD_PREFIX)]
    _assert_served_version_untouched(served, data_dir, chroma_settings, embedder)
    _assert_rerun_completes(ingest, data_dir, chroma_settings, embedder, served)


def test_kill_just_before_the_pointer_switch_leaves_the_served_version_and_the_rerun_completes(
    served: dict[str, object],
    corpus: Path,
    ingest: Ingest,
    data_dir: DataDir,
    chroma_settings: ChromaSettings,
    embedder: Embedder,
) -> None:
    printed = _kill_at("switch", corpus, data_dir, chroma_settings)

    built = printed[-2].removeprefix("stage switch ")
    assert data_dir.version_dir(built).is_dir()  # complete and in place, but never named by ACTIVE
    _assert_served_version_untouched(served, data_dir, chroma_settings, embedder)
    _assert_rerun_completes(ingest, data_dir, chroma_settings, embedder, served)
