"""A real `vademecum serve` process embeds with the ONNX export and never imports torch or the model libraries,
nor the libraries that only build an index (bm25s and the scipy it imports: ingest.bm25 reads without them).

Observed with Python's own import log (PYTHONPROFILEIMPORTTIME), which names every module the process imports.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ingest.layout import DataDir
from ingest.settings import ChromaSettings
from tests.service.serving import serve, service_env

MODEL_LIBRARIES = {"torch", "transformers", "sentence_transformers"}
INDEX_BUILDING_LIBRARIES = {"bm25s", "scipy"}


def _imported(log: str) -> set[str]:
    """The top-level packages named in an import log (`import time: self | cumulative | a.b.c`)."""
    lines = (line for line in log.splitlines() if line.startswith("import time:") and "|" in line)
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines}


@pytest.mark.slow
def test_a_serving_process_answers_without_importing_torch_the_model_or_index_building_libraries(
    corpus_data_dir: DataDir, tmp_path: Path
) -> None:
    env = {**service_env(corpus_data_dir.root, ChromaSettings()), "PYTHONPROFILEIMPORTTIME": "1"}
    process = serve(tmp_path / "serve.log", env)
    try:
        process.wait_for("/readyz", timeout_s=120)
        response = httpx.post(
            process.url + "/v1/followups", json={"question": "how is hyperkalaemia treated?"}, timeout=60
        )
    finally:
        process.stop()

    assert response.status_code == 200 and response.json()["status"] == "answered"
    imported = _imported((tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace"))
    assert "onnxruntime" in imported, "the import log shows the encoder the process embedded with"
    assert not imported & MODEL_LIBRARIES
    assert not imported & INDEX_BUILDING_LIBRARIES
