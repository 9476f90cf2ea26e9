"""A real `vademecum serve` process embeds with the ONNX export and never loads torch or the model's libraries."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.settings import ChromaSettings
from tests.conftest import REPO
from tests.service.conftest import CorpusIndex
from tests.service.helpers import ANSWERED
from tests.service.serving import Process, serve, service_env

# sentence-transformers and transformers import torch; the ONNX encoder needs none of them.
HEAVY = ("torch", "transformers", "sentence_transformers")


@pytest.fixture
def server(corpus_index: CorpusIndex, tmp_path: Path) -> Iterator[Process]:
    process = serve(tmp_path / "serve.log", service_env(corpus_index.data_dir, ChromaSettings()))
    try:
        process.wait_for("/readyz", timeout_s=120)
        yield process
    finally:
        process.stop()


@pytest.mark.slow
def test_a_serving_process_that_has_answered_maps_no_torch_library(server: Process) -> None:
    response = httpx.post(server.url + "/v1/followups", json=ANSWERED, timeout=60)
    assert response.status_code == 200, response.text

    maps = Path(f"/proc/{server.popen.pid}/maps").read_text()

    libraries = {line.rsplit("/", 1)[-1] for line in maps.splitlines() if ".so" in line}
    assert not [name for name in libraries if name.startswith(("libtorch", "libc10"))]
    assert [name for name in libraries if name.startswith("libonnxruntime")], "the encoder runs on ONNX Runtime"


@pytest.mark.slow
def test_the_app_the_server_runs_imports_neither_torch_nor_the_models_libraries(corpus_index: CorpusIndex) -> None:
    """The same app and lifespan as `vademecum serve`, one answer, then the modules the process holds."""
    script = (
        "import sys; from fastapi.testclient import TestClient; from service.app import create_app; "
        "client = TestClient(create_app()); client.__enter__(); "
        f"assert client.post('/v1/followups', json={ANSWERED!r}).status_code == 200; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    env = service_env(corpus_index.data_dir, ChromaSettings())
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
