"""Two ingests at once, and `kill -9` at several points in a row (issue 6, "Faults").

The expensive scenario runs once per module and each test asserts one behaviour of its recorded outcome.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field

import pytest

from ingest.cli import EXIT_BUSY
from ingest.embedding import Embedder
from ingest.layout import BUILD_PREFIX, DataDir
from ingest.pipeline import IngestReport, run_ingest
from ingest.settings import ChromaSettings
from ingest.store import make_client
from tests.ingest.faults import (
    EMBEDDED,
    KILL_POINTS,
    add_reused_article,
    assert_no_traceback,
    first_version,
    versions_in,
)
from tests.ingest.test_cli import _vademecum
from tests.ingest.test_crash_safety import _kill_at

pytestmark = pytest.mark.slow


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


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Killed:
    """Ingests SIGKILLed at several points in a row, a second ingest tried while the first one runs, then
    one complete ingest."""
    root = tmp_path_factory.mktemp("killed")
    port = os.environ.get("VADEMECUM_TEST_CHROMA_PORT")
    chroma = ChromaSettings(mode="http", host="127.0.0.1", port=int(port)) if port else EMBEDDED
    data_dir = DataDir(root / "data")
    corpus = root / "corpus"
    state = Killed(data_dir=data_dir, chroma=chroma, first=first_version(corpus, data_dir, embedder, chroma))
    add_reused_article(corpus)

    def second_ingest(pid: int) -> None:
        state.holder_pid = pid
        state.refused = _vademecum("ingest", "--quiet", str(corpus), data_dir=data_dir, chroma=chroma)

    for point in KILL_POINTS:
        _kill_at(point, corpus, data_dir, chroma, while_paused=second_ingest if point == KILL_POINTS[0] else None)
        state.after_kill[point] = versions_in(data_dir)

    state.final = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=chroma)
    state.final_versions = versions_in(data_dir)
    state.final_root = {path.name for path in data_dir.root.iterdir()}
    return state


def test_a_second_ingest_is_refused_with_exit_2_while_another_one_runs(killed: Killed) -> None:
    refused = killed.refused

    assert refused is not None and refused.returncode == EXIT_BUSY, refused
    assert f"another ingest is writing to {killed.data_dir.root} (pid {killed.holder_pid} since" in refused.stderr
    assert_no_traceback(refused)


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
    # No temp file of an interrupted switch; `encoders` holds the export the killed ingests wrote or found.
    assert killed.final_root == {"ACTIVE", "LOCK", "versions", "encoders"}
    if killed.chroma.mode == "http":  # no collections of killed builds left on the server
        killed_versions = {v.removeprefix(BUILD_PREFIX) for point in KILL_POINTS for v in killed.after_kill[point]}
        names = {c.name for c in make_client(killed.chroma, None).list_collections()}
        stale = killed_versions - {killed.first, final.version}
        assert not {name for name in names for version in stale if name.endswith(f"-{version}")}
