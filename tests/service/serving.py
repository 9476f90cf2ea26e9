"""Real processes for the multi-process tests: a Chroma server and `vademecum serve` on free loopback ports.

A test run through scripts/with-chroma-server (VADEMECUM_TEST_CHROMA_PORT) uses that server; otherwise a
throwaway `chroma run` is started here, so these tests never depend on what the machine happens to run.
Every process is started in its own session and stopped through its own process group, nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ingest.settings import ChromaSettings
from tests.conftest import REPO, chroma_under_test

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path
    url: str

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def wait_for(self, path: str, timeout_s: float) -> httpx.Response:
        """Poll `path` until it answers 200; fail with the process's output if it exits or times out."""
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail(f"{self.popen.args!r} exited with {self.popen.returncode}:\n{self.output()}")
            try:
                response = httpx.get(self.url + path, timeout=2)
                if response.status_code == 200:
                    return response
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.2)
        pytest.fail(f"{self.url}{path} not 200 after {timeout_s} s ({last}):\n{self.output()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def start(command: list[str], log: Path, port: int, env: dict[str, str] | None = None) -> Process:
    handle = log.open("wb")
    try:
        popen = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO, start_new_session=True
        )
    finally:
        handle.close()
    return Process(popen=popen, log=log, url=f"http://127.0.0.1:{port}")


@contextmanager
def chroma_server(workdir: Path) -> Iterator[ChromaSettings]:
    """The Chroma server of this test run, or a throwaway one for this test module."""
    configured = chroma_under_test()
    if configured.mode == "http":
        yield configured
        return
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "chroma"), "run", "--path", str(workdir / "chroma"), "--host", "127.0.0.1"]
    server = start([*command, "--port", str(port)], workdir / "chroma.log", port)
    try:
        server.wait_for("/api/v2/heartbeat", timeout_s=60)
        yield ChromaSettings(mode="http", host="127.0.0.1", port=port)
    finally:
        server.stop()


def service_env(data_dir: Path, chroma: ChromaSettings, **service: str) -> dict[str, str]:
    """The environment of a `vademecum` process: this data directory, this Chroma, and VADEMECUM_SERVICE__*."""
    env = {
        **os.environ,
        "VADEMECUM_DATA_DIR": str(data_dir),
        "VADEMECUM_CHROMA__MODE": chroma.mode,
        "VADEMECUM_CHROMA__HOST": chroma.host,
        "VADEMECUM_CHROMA__PORT": str(chroma.port),
        # Many requests from one address on purpose, on a busy machine: the per-client rate limit and the
        # request timeout are not under test here.
        "VADEMECUM_SERVICE__RATE_LIMIT_PER_SECOND": "0",
        "VADEMECUM_SERVICE__REQUEST_TIMEOUT_S": "60",
        "TQDM_DISABLE": "1",
    }
    env.update({f"VADEMECUM_SERVICE__{name.upper()}": value for name, value in service.items()})
    return env


def serve(log: Path, env: dict[str, str], *, workers: int = 1) -> Process:
    """`vademecum serve --no-ingest` on a free port (not waited for: see Process.wait_for)."""
    port = free_port()
    command = [str(BIN / "vademecum"), "serve", "--no-ingest", "--port", str(port), "--workers", str(workers)]
    return start(command, log, port, env)
