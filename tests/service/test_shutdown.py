"""Graceful shutdown of a real `vademecum serve` process on SIGTERM.

The in-flight request is held open deterministically by its body: the test sends the headers and
half of the JSON body, and the rest only after it has seen readiness turn false, so the request is
in flight for exactly as long as the test wants.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS, REPO
from tests.service.conftest import CorpusIndex
from tests.service.helpers import ANSWERED


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = log

    def wait_until(self, path: str, predicate: str, timeout: float = 120) -> httpx.Response:
        """Poll `path` until its text contains `predicate` (the server must stay up meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited early:\n{self.log.read_text()[-3000:]}"
            try:
                response = httpx.get(self.url + path, timeout=5)
                if predicate in response.text:
                    return response
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{path} never showed {predicate!r}:\n{self.log.read_text()[-3000:]}")


@pytest.fixture
def served(corpus_index: CorpusIndex, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "VADEMECUM_DATA_DIR": str(corpus_index.data_dir),
        "VADEMECUM_CORPUS_DIR": str(CORPUS),
        "VADEMECUM_SERVICE__SHUTDOWN_GRACE_S": "20",
        "TOKENIZERS_PARALLELISM": "false",
    }
    command = [sys.executable, "-m", "vademecum", "serve", "--no-ingest", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Served(process, port, log)
    try:
        server.wait_until("/readyz", '"ready":true')
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigterm_drains_readiness_then_finishes_in_flight_request_and_exits_0(served: Served) -> None:
    body = json.dumps(ANSWERED).encode()
    head = (
        f"POST /v1/followups HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as slow:
        slow.sendall(head + body[: len(body) // 2])
        served.wait_until("/metrics", "vademecum_http_requests_in_flight 1.0")  # the server is in it

        served.process.send_signal(signal.SIGTERM)
        draining = served.wait_until("/readyz", "shutting down", timeout=10)
        still_running = served.process.poll() is None

        slow.sendall(body[len(body) // 2 :])
        raw = b""
        while chunk := slow.recv(65536):
            raw += chunk
    code = served.process.wait(timeout=60)

    status_line, _, rest = raw.partition(b"\r\n")
    answer = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert draining.status_code == 503
    assert draining.json() == {"ready": False, "reason": "shutting down"}
    assert still_running
    assert status_line.split()[1] == b"200", raw[:500]
    assert answer["status"] == "answered" and answer["disclaimer"]
    assert code == 0, served.log.read_text()[-3000:]
