"""Faults while a real server answers: `vademecum serve` in a subprocess on 127.0.0.1, queried over HTTP.

- `kill -9` of an ingest at several points (tests/ingest/test_crash_safety.py's driver) while a client
  asks questions in a loop: every answer comes from the old version, the rerun completes, the server
  switches to it, and no versions pile up;
- a corrupt active index at startup: the server stays up and not ready, saying why, and
  `vademecum ingest --rebuild` repairs it while it runs, which makes it ready.

Both scenarios run once per module, side by side so that their processes' startups and model loading overlap;
each test asserts one behaviour of the recorded outcome. The killed and rerun ingests only add an article whose
vectors are all reused, so those subprocesses never load the model.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.settings import ChromaSettings
from tests.conftest import copy_encoders
from tests.ingest.faults import KILL_POINTS, add_reused_article, first_version, truncate_embeddings, versions_in
from tests.ingest.test_cli import _vademecum
from tests.ingest.test_crash_safety import _kill_at
from tests.service.helpers import parse_sse
from tests.service.serving import Process, serve, service_env

pytestmark = pytest.mark.slow

EMBEDDED = ChromaSettings()
QUESTION = {"question": "How should severe hyperkalaemia be treated?"}
STARTUP_S = 120
PAUSE_S = 0.05


@dataclass
class Asked:
    """What the query loop saw: (HTTP status, index version of the answer or the error text)."""

    answers: list[tuple[int, str]] = field(default_factory=list)


class QueryLoop:
    """Asks QUESTION over and over in a thread until stopped; records every outcome."""

    def __init__(self, server: Process) -> None:
        self.server = server
        self.asked = Asked()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Asked:
        self._thread.start()
        return self.asked

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=30) as client:
            while not self._stop.is_set():
                try:
                    response = client.post("/v1/followups/stream", json=QUESTION)
                except httpx.HTTPError as error:
                    self.asked.answers.append((0, repr(error)))
                    continue
                if response.status_code != 200:
                    self.asked.answers.append((response.status_code, response.text[:300]))
                    continue
                events = dict(parse_sse(response.text))
                self.asked.answers.append((200, str(events["meta"]["index"])))
                # A steady stream rather than a flood: the killed ingests need the CPU to reach their kill points.
                self._stop.wait(PAUSE_S)


def _ready(server: Process) -> httpx.Response:
    return httpx.get(server.url + "/readyz", timeout=5)


def _wait_until_serving(server: Process, version: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while _ready(server).json().get("version") != version:
        assert time.monotonic() < deadline, f"not serving {version}: {_ready(server).text}\n{server.output()}"
        time.sleep(0.1)


@dataclass
class KilledWhileServing:
    first: str
    during_kills: Asked
    after_kill: dict[str, set[str]]
    rerun_code: int
    final: str
    during_rerun: Asked
    final_versions: set[str]
    server_alive: bool


@dataclass
class Corrupt:
    version: str
    not_ready: httpx.Response
    followup: httpx.Response
    alive_after_s: float
    healthz_status: int
    server_alive: bool
    rebuild_code: int
    rebuilt: str
    ready: httpx.Response
    answered: httpx.Response


@dataclass
class Outcome:
    killed: KilledWhileServing
    corrupt: Corrupt


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Outcome:
    root = tmp_path_factory.mktemp("serving")
    healthy, broken = DataDir(root / "healthy" / "data"), DataDir(root / "corrupt" / "data")
    corpus = root / "corpus"
    servers: list[Process] = []
    try:
        # Started on an empty data directory before anything is ingested: it loads while the model does here,
        # and picks the first version up by hot reload.
        servers.append(_serve(healthy))
        embedder: Embedder = request.getfixturevalue("embedder")
        copy_encoders(request.getfixturevalue("encoders_dir"), healthy)
        first = first_version(corpus, healthy, embedder, EMBEDDED)
        shutil.copytree(healthy.root, broken.root)
        truncate_embeddings(broken.version_dir(first))
        servers.append(_serve(broken))  # started on the corrupt index
        for server in servers:
            server.wait_for("/healthz", timeout_s=STARTUP_S)
        _wait_until_serving(servers[0], first, STARTUP_S)
        return _run_both(servers[0], servers[1], healthy, broken, corpus, first)
    finally:
        _stop_all(servers)


def _run_both(
    server: Process, corrupt_server: Process, healthy: DataDir, broken: DataDir, corpus: Path, first: str
) -> Outcome:
    not_ready = _ready(corrupt_server)
    followup = httpx.post(corrupt_server.url + "/v1/followups", json=QUESTION, timeout=30)
    started = time.monotonic()
    time.sleep(1.0)  # several reload polls: a crash loop would have shown by now
    healthz = httpx.get(corrupt_server.url + "/healthz", timeout=5)
    alive = corrupt_server.popen.poll() is None
    alive_after_s = time.monotonic() - started
    # The repair runs while the other server's ingests are killed: both wait on subprocesses.
    rebuilt: list[subprocess.CompletedProcess[str]] = []
    rebuild = threading.Thread(
        target=lambda: rebuilt.append(
            _vademecum("ingest", "--rebuild", "--quiet", str(corpus), data_dir=broken, chroma=EMBEDDED)
        )
    )
    rebuild.start()
    killed = _kill_and_rerun(server, healthy, corpus, first)
    rebuild.join(timeout=180)
    pointer = broken.read_pointer()
    assert rebuilt and rebuilt[0].returncode == 0 and pointer is not None, rebuilt
    _wait_until_serving(corrupt_server, pointer.version)
    corrupt = Corrupt(
        version=first,
        not_ready=not_ready,
        followup=followup,
        alive_after_s=alive_after_s,
        healthz_status=healthz.status_code,
        server_alive=alive,
        rebuild_code=rebuilt[0].returncode,
        rebuilt=pointer.version,
        ready=_ready(corrupt_server),
        answered=httpx.post(corrupt_server.url + "/v1/followups", json=QUESTION, timeout=30),
    )
    return Outcome(killed=killed, corrupt=corrupt)


def _kill_and_rerun(server: Process, data_dir: DataDir, corpus: Path, first: str) -> KilledWhileServing:
    # The killed runs ingest from a corpus folder of their own: the rebuild of the other site reads `corpus`.
    changed = corpus.with_name("corpus-changed")
    shutil.copytree(corpus, changed)
    add_reused_article(changed)
    after_kill: dict[str, set[str]] = {}
    with QueryLoop(server) as during_kills:
        for point in KILL_POINTS:
            _kill_at(point, changed, data_dir, EMBEDDED)
            after_kill[point] = versions_in(data_dir)
    with QueryLoop(server) as during_rerun:
        rerun = _vademecum("ingest", "--quiet", str(changed), data_dir=data_dir, chroma=EMBEDDED)
        pointer = data_dir.read_pointer()
        assert rerun.returncode == 0 and pointer is not None, rerun.stderr
        _wait_until_serving(server, pointer.version)
        time.sleep(0.5)  # a few answers from the new version
    return KilledWhileServing(
        first=first,
        during_kills=during_kills,
        after_kill=after_kill,
        rerun_code=rerun.returncode,
        final=pointer.version,
        during_rerun=during_rerun,
        final_versions=versions_in(data_dir),
        server_alive=server.popen.poll() is None,
    )


def _serve(data_dir: DataDir) -> Process:
    log = data_dir.root.parent / "server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    return serve(log, service_env(data_dir.root, EMBEDDED, reload_interval_s="0.1", shutdown_grace_s="0"))


def _stop_all(servers: list[Process]) -> None:
    stopping = [threading.Thread(target=server.stop) for server in servers]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join(timeout=60)


@pytest.fixture(scope="module")
def killed(outcome: Outcome) -> KilledWhileServing:
    return outcome.killed


@pytest.fixture(scope="module")
def corrupt(outcome: Outcome) -> Corrupt:
    return outcome.corrupt


# --- kill -9 of ingests while the server answers ------------------------------------------------------


def test_every_query_while_ingests_are_killed_is_answered_from_the_old_version(killed: KilledWhileServing) -> None:
    answers = killed.during_kills.answers

    assert len(answers) >= 5, answers  # the loop really ran across the kills
    assert set(answers) == {(200, killed.first)}, [a for a in answers if a != (200, killed.first)]


def test_each_kill_leaves_at_most_its_own_unfinished_version(killed: KilledWhileServing) -> None:
    for point in KILL_POINTS:
        assert len(killed.after_kill[point] - {killed.first}) <= 1, (point, killed.after_kill[point])


def test_the_rerun_completes_and_the_server_switches_to_it_without_a_failed_query(killed: KilledWhileServing) -> None:
    answers = killed.during_rerun.answers

    assert killed.rerun_code == 0 and killed.final != killed.first
    assert all(status == 200 for status, _ in answers), [a for a in answers if a[0] != 200]
    assert {version for _, version in answers} <= {killed.first, killed.final}
    assert answers[-1] == (200, killed.final)
    assert killed.server_alive


def test_no_versions_pile_up_after_the_kills_and_the_rerun(killed: KilledWhileServing) -> None:
    assert killed.final_versions == {killed.first, killed.final}


# --- a corrupt active index at startup, repaired by --rebuild while the server runs ----------------------


def test_a_corrupt_active_index_makes_readyz_false_naming_the_version_and_the_file(corrupt: Corrupt) -> None:
    body = corrupt.not_ready.json()

    assert corrupt.not_ready.status_code == 503
    assert body["ready"] is False
    assert f"index version {corrupt.version} is corrupt: embeddings.npy" in body["reason"]


def test_a_server_on_a_corrupt_index_stays_up_without_a_crash_loop(corrupt: Corrupt) -> None:
    assert corrupt.server_alive and corrupt.healthz_status == 200
    assert corrupt.alive_after_s >= 1.0


def test_a_server_on_a_corrupt_index_refuses_followups_with_json_503(corrupt: Corrupt) -> None:
    assert corrupt.followup.status_code == 503
    assert corrupt.followup.json()["code"] == "not_ready"


def test_ingest_rebuild_repairs_it_and_the_running_server_becomes_ready(corrupt: Corrupt) -> None:
    assert corrupt.rebuild_code == 0 and corrupt.rebuilt != corrupt.version
    assert corrupt.ready.status_code == 200 and corrupt.ready.json()["version"] == corrupt.rebuilt
    assert corrupt.answered.status_code == 200 and corrupt.answered.json()["citations"]
