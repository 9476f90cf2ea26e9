"""Idle keep-alive connections of a real `vademecum serve`: the client closes them, not the server.

A client reuses an idle pooled connection for its next request. If the server closes that connection at
the same moment, the request is sent into a closed socket and lost (the client sees a read error; the
server never sees the request). The load run at 96 clients lost 2-5 of 5,000 requests this way with
uvicorn's 5-second default, the same idle expiry as httpx's pool. The server therefore keeps idle
connections longer than its clients and proxies do (`service.keep_alive_s`).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.settings import ChromaSettings, ServiceSettings
from tests.service.conftest import CorpusIndex
from tests.service.serving import Process, serve, service_env

# httpx expires idle pooled connections after 5 s; a server that closed them sooner would race it.
CLIENT_IDLE_EXPIRY_S = 5.0


def _server(corpus_index: CorpusIndex, log: Path, **service: str) -> Iterator[Process]:
    process = serve(log, service_env(corpus_index.data_dir, ChromaSettings(), **service))
    try:
        process.wait_for("/readyz", timeout_s=120)
        yield process
    finally:
        process.stop()


@pytest.fixture
def default_server(corpus_index: CorpusIndex, tmp_path: Path) -> Iterator[Process]:
    yield from _server(corpus_index, tmp_path / "serve.log")


@pytest.fixture
def short_keep_alive_server(corpus_index: CorpusIndex, tmp_path: Path) -> Iterator[Process]:
    yield from _server(corpus_index, tmp_path / "serve.log", keep_alive_s="1")


def _port(process: Process) -> int:
    return int(process.url.rsplit(":", 1)[1])


def _get_healthz(connection: socket.socket, port: int) -> bytes:
    """One keep-alive GET /healthz on an open connection; the response bytes (b"" if the server closed it)."""
    connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
        chunk = connection.recv(65536)
        if not chunk:
            return received
        received += chunk
    return received


def test_the_default_keep_alive_outlasts_the_idle_expiry_of_an_httpx_client() -> None:
    assert ServiceSettings().keep_alive_s > 2 * CLIENT_IDLE_EXPIRY_S


def test_an_idle_connection_is_still_served_after_the_client_idle_expiry(default_server: Process) -> None:
    port = _port(default_server)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        first = _get_healthz(connection, port)
        time.sleep(CLIENT_IDLE_EXPIRY_S + 1.5)
        second = _get_healthz(connection, port)

    assert first.startswith(b"HTTP/1.1 200")
    assert second.startswith(b"HTTP/1.1 200"), "the server closed an idle connection a client may still reuse"


def test_keep_alive_s_sets_how_long_the_server_keeps_an_idle_connection(short_keep_alive_server: Process) -> None:
    port = _port(short_keep_alive_server)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        first = _get_healthz(connection, port)
        idle_since = time.monotonic()
        connection.settimeout(4)  # below uvicorn's own default of 5 s: the setting, not the default, closes it
        closed = connection.recv(1) == b""
        idle_s = time.monotonic() - idle_since

    assert first.startswith(b"HTTP/1.1 200") and closed
    assert 0.5 < idle_s < 4
