"""Hot reload: a running app switches to each new ACTIVE version without a restart, one whole version per request.

Real index versions of a small three-article corpus, written by `vademecum ingest` (a subprocess), by
`vademecum index rollback` and by the pipeline in this process; the app polls the pointer every 50 ms.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.pipeline import IngestReport, run_ingest
from ingest.settings import ChromaSettings, ServiceSettings, Settings
from service.app import create_app
from service.runtime.state import ServiceState
from tests.conftest import copy_encoders
from tests.ingest.articles import write_article, write_corpus
from tests.ingest.faults import add_reused_article, truncate_embeddings
from tests.ingest.test_cli import _index_command, _vademecum
from tests.service.helpers import parse_sse

POLL_S = 0.05
QUESTION = {"question": "How should severe hyperkalaemia be treated?"}


def wait_for(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@dataclass
class Served:
    client: TestClient
    state: ServiceState
    data_dir: DataDir
    corpus: Path
    embedder: Embedder

    def ingest(self, data_dir: DataDir | None = None) -> IngestReport:
        report = run_ingest([self.corpus], data_dir=data_dir or self.data_dir, embedder=self.embedder, chroma=EMBEDDED)
        assert report.ok, report.rejected
        return report

    def ready(self) -> dict[str, object]:
        body: dict[str, object] = self.client.get("/readyz").json()
        return body

    def serves(self, version: str | None) -> bool:
        return self.ready().get("version") == version


EMBEDDED = ChromaSettings()


def _settings(root: Path, reload_interval_s: float = POLL_S) -> Settings:
    service = ServiceSettings(reload_interval_s=reload_interval_s, rate_limit_per_second=0)
    return Settings(data_dir=root / "data", corpus_dir=root / "corpus", service=service)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> DataDir:
    root = tmp_path_factory.mktemp("reload")
    data_dir = DataDir(root / "data")
    write_corpus(root / "corpus")
    assert run_ingest([root / "corpus"], data_dir=data_dir, embedder=embedder, chroma=EMBEDDED).ok
    return data_dir


@contextmanager
def serving(root: Path, embedder: Embedder, reload_interval_s: float = POLL_S) -> Iterator[Served]:
    app = create_app(_settings(root, reload_interval_s), embedder=embedder)
    with TestClient(app) as client:
        yield Served(client, app.state.service, DataDir(root / "data"), root / "corpus", embedder)


@pytest.fixture
def served(tmp_path: Path, pristine: DataDir, embedder: Embedder) -> Iterator[Served]:
    shutil.copytree(pristine.root, tmp_path / "data")
    write_corpus(tmp_path / "corpus")
    with serving(tmp_path, embedder) as app:
        yield app


def test_a_cli_ingest_is_served_without_a_restart(served: Served) -> None:
    before = served.ready()["version"]
    add_reused_article(served.corpus)  # every vector reused: the command does not load the model

    result = _vademecum("ingest", "--quiet", str(served.corpus), data_dir=served.data_dir, chroma=EMBEDDED)

    assert result.returncode == 0, result.stderr
    pointer = served.data_dir.read_pointer()
    assert pointer is not None and pointer.version != before
    wait_for(lambda: served.serves(pointer.version))
    assert served.client.get("/v1/articles/asthma-2").status_code == 200


def test_a_rollback_is_served_without_a_restart(served: Served) -> None:
    first = served.ready()["version"]
    write_article(served.corpus, "migraine")
    second = served.ingest().version
    wait_for(lambda: served.serves(second))

    assert _index_command(["rollback"], served.data_dir) == 0

    wait_for(lambda: served.serves(str(first)))
    assert served.client.get("/v1/articles/migraine").status_code == 404


def test_with_reload_interval_0_the_version_opened_at_startup_stays(
    tmp_path: Path, pristine: DataDir, embedder: Embedder
) -> None:
    shutil.copytree(pristine.root, tmp_path / "data")
    write_corpus(tmp_path / "corpus")
    with serving(tmp_path, embedder, reload_interval_s=0) as served:
        first = served.ready()["version"]
        write_article(served.corpus, "migraine")
        served.ingest()
        time.sleep(10 * POLL_S)

        assert served.ready()["version"] == first


def test_a_new_version_that_fails_to_open_leaves_the_old_one_serving_and_readyz_names_it(
    served: Served, tmp_path: Path
) -> None:
    first = served.ready()["version"]
    # A complete new version, damaged before the pointer names it (built in a copy, so nothing polls it early).
    other = DataDir(tmp_path / "other")
    shutil.copytree(served.data_dir.root, other.root)
    write_article(served.corpus, "migraine")
    broken = str(served.ingest(other).version)
    shutil.copytree(other.version_dir(broken), served.data_dir.version_dir(broken))
    truncate_embeddings(served.data_dir.version_dir(broken))

    served.data_dir.switch_to(broken, keep_previous=1)

    wait_for(lambda: served.ready().get("failed_version") is not None)
    ready = served.ready()
    assert (ready["ready"], ready["version"]) == (True, first)
    failed = ready["failed_version"]
    assert isinstance(failed, dict) and failed["version"] == broken
    assert "embeddings.npy" in failed["reason"]
    assert served.client.post("/v1/followups", json=QUESTION).status_code == 200
    assert served.client.get("/v1/articles/migraine").status_code == 404


def test_a_service_started_without_an_index_becomes_ready_when_one_is_ingested(
    tmp_path: Path, embedder: Embedder
) -> None:
    write_corpus(tmp_path / "corpus")
    with serving(tmp_path, embedder) as served:
        assert served.client.get("/readyz").status_code == 503
        assert served.client.post("/v1/followups", json=QUESTION).status_code == 503

        version = served.ingest().version

        wait_for(lambda: served.serves(version))
        assert served.client.post("/v1/followups", json=QUESTION).status_code == 200


def test_a_service_without_the_encoder_export_is_not_ready_until_an_ingest_writes_it(
    tmp_path: Path, pristine: DataDir, embedder: Embedder, encoders_dir: DataDir
) -> None:
    shutil.copytree(pristine.root, tmp_path / "data")
    write_corpus(tmp_path / "corpus")
    app = create_app(_settings(tmp_path))  # the configured encoder: the int8 export in the data directory
    with TestClient(app) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "no int8 encoder exported" in str(ready.json()), ready.json()
        assert client.post("/v1/followups", json=QUESTION).status_code == 503

        copy_encoders(encoders_dir, DataDir(tmp_path / "data"))  # what `vademecum ingest` writes first
        write_article(tmp_path / "corpus", "migraine")
        report = run_ingest(
            [tmp_path / "corpus"], data_dir=DataDir(tmp_path / "data"), embedder=embedder, chroma=EMBEDDED
        )

        wait_for(lambda: client.get("/readyz").json().get("version") == report.version)
        assert client.post("/v1/followups", json=QUESTION).status_code == 200


def test_a_swapped_out_version_is_closed_only_after_its_last_request_ends(served: Served) -> None:
    with served.state.lease() as old:
        assert old is not None
        write_article(served.corpus, "migraine")
        new = served.ingest().version
        wait_for(lambda: served.serves(new))

        assert not old.closed
        # A filtered search goes to Chroma: the request holding the old version can still use it.
        vector = served.embedder.embed_query("intravenous calcium")
        assert old.index.chroma_search(vector, 2, {"article_id": "hyperkalaemia"})

    assert old.closed


def _version_text(marker: str) -> dict[str, object]:
    """The hyperkalaemia article with `marker` in every passage, so a quote tells which version it came from."""
    return {
        "summary": f"Severe hyperkalaemia is treated by protocol {marker}. It is short.",
        "bullets": [
            f"Under protocol {marker} give intravenous calcium when the ECG shows hyperkalaemic changes [1]",
            f"Under protocol {marker} insulin with glucose shifts potassium into the cells [1, 2]",
            f"Under protocol {marker} check the glucose repeatedly after insulin [2]",
        ],
    }


def test_queries_during_reingests_each_see_one_whole_version(served: Served) -> None:
    markers: dict[str, str] = {}
    write_article(served.corpus, "hyperkalaemia", **_version_text("alpha"))  # type: ignore[arg-type]
    first = served.ingest().version
    assert first is not None
    markers[first] = "alpha"
    wait_for(lambda: served.serves(first))
    writing = True
    problems: list[str] = []
    seen: set[str] = set()

    def write() -> None:
        nonlocal writing
        try:
            for round_ in range(6):
                marker = ("beta", "alpha")[round_ % 2]
                write_article(served.corpus, "hyperkalaemia", **_version_text(marker))  # type: ignore[arg-type]
                version = served.ingest().version
                assert version is not None
                markers[version] = marker
                time.sleep(0.15)
        finally:
            writing = False

    def read() -> None:
        while writing:
            response = served.client.post("/v1/followups/stream", json=QUESTION)
            if response.status_code != 200:
                problems.append(f"status {response.status_code}: {response.text[:200]}")
                continue
            events = dict(parse_sse(response.text))
            version = events["meta"]["index"]
            seen.add(version)
            quotes = [c["quote"] for c in events["done"]["answer"]["citations"] if c["article_id"] == "hyperkalaemia"]
            if not quotes:
                problems.append(f"nothing cited from hyperkalaemia in {version}")
            words = {word for quote in quotes for word in ("alpha", "beta") if f"protocol {word}" in quote}
            if words != {markers.get(version)}:
                problems.append(f"version {version} ({markers.get(version)}) answered with quotes of {words}")

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not problems, problems[:5]
    assert len(seen) >= 3, seen  # the readers really ran across several switches
