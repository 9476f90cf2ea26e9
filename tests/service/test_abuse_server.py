"""Oversized bodies sent to a real uvicorn server on 127.0.0.1, as bytes TestClient cannot send as a client would:
a chunked body streamed over a socket, a declared length whose body never comes. Refused early, then still serving.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ingest.settings import Settings
from tests.conftest import REPO
from tests.service.helpers import ANSWERED, BIG, oversized_json

FOLLOWUPS = "/v1/followups"


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`uvicorn service.app:create_app` on a free local port, over the session's index."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "VADEMECUM_DATA_DIR": str(settings.data_dir),
        "VADEMECUM_CORPUS_DIR": str(settings.corpus_dir),
        "VADEMECUM_SERVICE__RATE_LIMIT_PER_SECOND": "0",
    }
    log = (tmp_path_factory.mktemp("uvicorn") / "server.log").open("w")
    command = [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--log-level", "warning"], cwd=REPO, env=env, stdout=log, stderr=log
    )
    served = Server("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"uvicorn exited: {Path(log.name).read_text()[-2000:]}"
            assert time.monotonic() < deadline, "uvicorn did not become ready in 120 s"
            try:
                if httpx.get(f"{served.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 response with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65_536)
        assert chunk, f"connection closed mid-response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:"))
    while len(body) < length:
        chunk = sock.recv(65_536)
        assert chunk, "connection closed mid-body"
        body += chunk
    return int(lines[0].split()[1]), body[:length]


HEAD = b"POST /v1/followups HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def test_real_server_refuses_a_chunked_body_while_it_streams(server: Server) -> None:
    data = oversized_json()
    sent = 0
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
        # Keep streaming until the server answers: it must not wait for (or buffer) the whole 5 MB.
        while sent < len(data) and not select.select([sock], [], [], 0.05)[0]:
            chunk = data[sent : sent + 32_768]
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        status, body = read_response(sock)

    assert status == 413
    assert json.loads(body)["code"] == "too_large"
    assert sent < len(data) // 2


def test_real_server_refuses_a_declared_length_before_the_body_arrives(server: Server) -> None:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(HEAD + b"Content-Length: %d\r\n\r\n{" % BIG)
        status, body = read_response(sock)  # no more body is ever sent: only the header can explain a 413

    assert status == 413
    assert json.loads(body) == {
        "code": "too_large",
        "message": json.loads(body)["message"],
        "field": None,
    }


def test_real_server_answers_after_the_abuse(server: Server) -> None:
    # 5 MB thrown at once (the server cuts the connection), then a body abandoned halfway.
    with contextlib.suppress(OSError), socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n" % (BIG, oversized_json()))
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(HEAD + b'Content-Length: 200\r\n\r\n{"question": "dose')

    response = httpx.post(f"{server.url}{FOLLOWUPS}", json=ANSWERED, timeout=30)

    assert response.status_code == 200
    assert response.json()["status"] == "answered"
