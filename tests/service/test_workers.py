"""`vademecum serve --workers N`: several uvicorn worker processes over one Chroma server.

The service runs as a real command on a free loopback port, over a small index ingested into the Chroma
server of this run (tests/service/serving.py starts one when none is given). Requests go over real HTTP,
each on its own connection, so the kernel hands them to whichever worker accepts first; /readyz says which
process answered (`pid`).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings
from tests.conftest import REPO, copy_encoders
from tests.ingest.articles import write_corpus
from tests.service.serving import BIN, chroma_server, serve, service_env

pytestmark = pytest.mark.slow

QUESTION = {"question": "How should severe hyperkalaemia be treated?"}
REQUESTS = 48
# Until both workers have loaded the model, only one of them accepts connections.
BOTH_WORKERS_WITHIN_S = 90.0


@dataclass
class Burst:
    supervisor_pid: int
    statuses: list[int] = field(default_factory=list)
    pids: set[int] = field(default_factory=set)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaSettings]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as settings:
        yield settings


def _one_request(url: str, n: int) -> tuple[int, int | None]:
    """(status, answering pid): every third request asks /readyz, the others ask a follow-up question."""
    if n % 3 == 0:
        response = httpx.get(f"{url}/readyz", timeout=60)
        return response.status_code, response.json().get("pid")
    return httpx.post(f"{url}/v1/followups", json=QUESTION, timeout=60).status_code, None


@pytest.fixture(scope="module")
def burst(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, encoders_dir: DataDir, chroma: ChromaSettings
) -> Iterator[Burst]:
    """Two workers serving; bursts of concurrent requests until both workers have answered (or time is up)."""
    root = tmp_path_factory.mktemp("workers")
    write_corpus(root / "corpus")
    report = run_ingest([root / "corpus"], data_dir=DataDir(root / "data"), embedder=embedder, chroma=chroma)
    assert report.version, report
    copy_encoders(encoders_dir, DataDir(root / "data"))
    service = serve(root / "serve.log", service_env(root / "data", chroma), workers=2)
    try:
        service.wait_for("/readyz", timeout_s=120)
        outcome = Burst(supervisor_pid=service.popen.pid)
        deadline = time.monotonic() + BOTH_WORKERS_WITHIN_S
        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(outcome.pids) < 2 and time.monotonic() < deadline:
                for status, pid in pool.map(lambda n: _one_request(service.url, n), range(REQUESTS)):
                    outcome.statuses.append(status)
                    if pid is not None:
                        outcome.pids.add(pid)
        yield outcome
    finally:
        service.stop()


def test_two_workers_answer_every_concurrent_request_with_200(burst: Burst) -> None:
    assert burst.statuses and set(burst.statuses) == {200}, sorted(set(burst.statuses))


def test_concurrent_requests_are_answered_by_two_worker_processes(burst: Burst) -> None:
    assert len(burst.pids) == 2, burst.pids
    assert burst.supervisor_pid not in burst.pids  # the workers answer, not the supervising parent


@pytest.mark.parametrize(
    ("options", "variables", "workers"),
    [
        pytest.param(["--workers", "2"], {}, 2, id="option"),
        pytest.param([], {"VADEMECUM_SERVICE__WORKERS": "3"}, 3, id="setting"),
    ],
)
def test_more_than_one_worker_over_embedded_chroma_is_refused_with_a_clear_error(
    tmp_path: Path, options: list[str], variables: dict[str, str], workers: int
) -> None:
    env = {**service_env(tmp_path / "data", ChromaSettings()), **variables}

    result = subprocess.run(
        [str(BIN / "vademecum"), "serve", "--no-ingest", *options],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2, result
    assert f"{workers} workers need a Chroma server" in result.stderr
    assert "VADEMECUM_CHROMA__MODE=http" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_the_app_factory_builds_no_app_and_loads_no_model() -> None:
    probe = (
        "import sys, service.factory as f; "
        "print(sorted(m for m in ('sentence_transformers', 'chromadb', 'service.app') if m in sys.modules))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "[]", result.stdout
