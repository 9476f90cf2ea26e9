"""Two replicas of `vademecum serve` over one data directory and one Chroma server, through a re-ingest.

The deployment README.md describes: the data directory (version directories with chunks, vectors, BM25 and
manifest, the ACTIVE pointer, the LOCK) is shared by every replica, the collections of each version live on
the Chroma server under names that carry the version, one `vademecum ingest` writes at a time, and each
replica switches by itself when ACTIVE changes (hot reload every `reload_interval_s`).

The scenario runs once per module, with real processes: two replicas serve version 1, queries run against
both without pause, `vademecum ingest` writes version 2 with one changed article, and the queries go on until
both replicas report version 2. Each test asserts one behaviour of the recorded outcome.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings
from ingest.store import close_client, make_client
from tests.conftest import copy_encoders
from tests.ingest.articles import DEFAULT_BULLETS, write_article, write_corpus
from tests.service.serving import BIN, Process, chroma_server, serve, service_env

pytestmark = pytest.mark.slow

QUESTION = {"question": "How should severe hyperkalaemia be treated?", "article_id": "hyperkalaemia"}
NEW_BULLET = "Sodium zirconium cyclosilicate binds potassium in the gut and lowers it within hours [1]"
NEW_QUESTION = {"question": "Does sodium zirconium cyclosilicate lower potassium?", "article_id": "hyperkalaemia"}
SWITCH_WITHIN_S = 30.0


@dataclass
class Call:
    replica: int
    started: float
    status: int
    version: str | None = None


@dataclass
class Rollout:
    first: str
    second: str = ""
    calls: list[Call] = field(default_factory=list)
    ingest_window: tuple[float, float] = (0.0, 0.0)
    ingest: subprocess.CompletedProcess[str] | None = None
    final_versions: list[str | None] = field(default_factory=list)
    new_answers: list[str] = field(default_factory=list)
    pids_before: list[int] = field(default_factory=list)
    pids_after: list[int] = field(default_factory=list)
    # Collection names on the server right after the switch, and after one more ingest.
    collections_after_switch: set[str] = field(default_factory=set)
    third: str = ""
    collections_after_next: set[str] = field(default_factory=set)


def _query_until(stop: threading.Event, replica: int, service: Process, calls: list[Call]) -> None:
    """Alternate a follow-up question and /readyz on one replica, without pause, until stopped."""
    with httpx.Client(base_url=service.url, timeout=30) as client:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = client.post("/v1/followups", json=QUESTION).status_code
                calls.append(Call(replica, started, status))
                ready = client.get("/readyz")
                calls.append(Call(replica, started, ready.status_code, ready.json().get("version")))
            except httpx.HTTPError as error:  # a refused or dropped connection is a failure too
                calls.append(Call(replica, started, 0, repr(error)))


def _readyz(service: Process) -> dict[str, object]:
    response = httpx.get(f"{service.url}/readyz", timeout=10).json()
    assert isinstance(response, dict)
    return response


def _wait_for_version(replicas: list[Process], version: str) -> list[str | None]:
    deadline = time.monotonic() + SWITCH_WITHIN_S
    versions: list[str | None] = []
    while time.monotonic() < deadline:
        versions = [str(_readyz(r).get("version")) for r in replicas]
        if all(v == version for v in versions):
            break
        time.sleep(0.2)
    return versions


def _collections(chroma: ChromaSettings) -> set[str]:
    client = make_client(chroma, None)
    try:
        return {collection.name for collection in client.list_collections()}
    finally:
        close_client(client)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaSettings]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as settings:
        yield settings


@pytest.fixture(scope="module")
def rollout(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, encoders_dir: DataDir, chroma: ChromaSettings
) -> Iterator[Rollout]:
    root = tmp_path_factory.mktemp("replicas")
    corpus, data = root / "corpus", DataDir(root / "data")
    write_corpus(corpus)
    first = run_ingest([corpus], data_dir=data, embedder=embedder, chroma=chroma)
    assert first.version, first
    copy_encoders(encoders_dir, data)
    outcome = Rollout(first=first.version)
    env = service_env(data.root, chroma, reload_interval_s="0.5")
    replicas = [serve(root / f"replica-{n}.log", env) for n in range(2)]
    stop = threading.Event()
    threads = [
        threading.Thread(target=_query_until, args=(stop, n, replica, outcome.calls), daemon=True)
        for n, replica in enumerate(replicas)
    ]
    try:
        for replica in replicas:
            replica.wait_for("/readyz", timeout_s=120)
        outcome.pids_before = [int(str(_readyz(r)["pid"])) for r in replicas]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # both replicas under load before the writer starts

        write_article(corpus, "hyperkalaemia", bullets=[*DEFAULT_BULLETS, NEW_BULLET])
        started = time.monotonic()
        outcome.ingest = subprocess.run(
            [str(BIN / "vademecum"), "ingest", "--quiet", str(corpus)],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        outcome.ingest_window = (started, time.monotonic())
        pointer = data.read_pointer()
        outcome.second = pointer.version if pointer else ""
        outcome.final_versions = _wait_for_version(replicas, outcome.second)
        time.sleep(1.0)  # and a little more traffic on the new version
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

        outcome.pids_after = [int(str(_readyz(r)["pid"])) for r in replicas]
        for replica in replicas:
            answer = httpx.post(f"{replica.url}/v1/followups", json=NEW_QUESTION, timeout=30).json()
            outcome.new_answers.append(str(answer.get("answer")))
        outcome.collections_after_switch = _collections(chroma)
    finally:
        stop.set()
        for replica in replicas:
            replica.stop()

    write_article(corpus, "asthma", bullets=["Give inhaled salbutamol through a spacer without delay [1]"])
    third = run_ingest([corpus], data_dir=data, embedder=embedder, chroma=chroma)
    outcome.third = third.version or ""
    outcome.collections_after_next = _collections(chroma)
    yield outcome


def _of(names: set[str], version: str) -> set[str]:
    return {name for name in names if name.endswith(f"-{version}")}


def test_the_reingest_writes_a_new_version_while_both_replicas_serve(rollout: Rollout) -> None:
    assert rollout.ingest is not None and rollout.ingest.returncode == 0, rollout.ingest
    assert rollout.second and rollout.second != rollout.first


def test_both_replicas_answer_200_throughout_the_reingest(rollout: Rollout) -> None:
    begin, end = rollout.ingest_window
    during = [call for call in rollout.calls if begin <= call.started <= end]

    assert {call.replica for call in during} == {0, 1}  # both were queried while the writer ran
    failed = [call for call in rollout.calls if call.status != 200]
    assert not failed, failed[:5]


def test_both_replicas_switch_to_the_new_version_without_a_restart(rollout: Rollout) -> None:
    assert rollout.final_versions == [rollout.second, rollout.second]
    assert rollout.pids_after == rollout.pids_before


def test_each_replica_reports_one_version_then_the_other_never_back(rollout: Rollout) -> None:
    for replica in (0, 1):
        seen = [call.version for call in rollout.calls if call.replica == replica and call.version is not None]
        switched = seen.index(rollout.second)

        assert set(seen[:switched]) == {rollout.first} and set(seen[switched:]) == {rollout.second}, seen


def test_after_the_switch_both_replicas_answer_from_the_changed_article(rollout: Rollout) -> None:
    assert len(rollout.new_answers) == 2
    assert all("zirconium cyclosilicate" in answer for answer in rollout.new_answers), rollout.new_answers


def test_the_replaced_version_keeps_its_collections_on_the_server_for_a_replica_not_yet_switched(
    rollout: Rollout,
) -> None:
    assert _of(rollout.collections_after_switch, rollout.first)
    assert _of(rollout.collections_after_switch, rollout.second)


def test_the_next_ingest_drops_the_collections_of_the_version_two_switches_back(rollout: Rollout) -> None:
    assert rollout.third
    assert not _of(rollout.collections_after_next, rollout.first)
    assert _of(rollout.collections_after_next, rollout.second) and _of(rollout.collections_after_next, rollout.third)
