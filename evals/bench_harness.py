"""What the HTTP benchmarks share: their questions, a server subprocess on 127.0.0.1, and the corpus index.

Used by evals.bench_service (latency and capacity next to a LangChain pipeline) and evals.bench_load
(many clients, lost requests, memory).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared"))

# Used when the golden set is absent: a mix of direct questions and follow-ups on the bundled corpus.
FALLBACK_QUESTIONS: list[dict[str, Any]] = [
    {"question": "Which anticoagulant is preferred for non-valvular atrial fibrillation?"},
    {
        "question": "and in pregnancy?",
        "article_id": "atrial-fibrillation-anticoagulation",
        "history": [{"role": "user", "content": "Which anticoagulant is preferred for non-valvular AF?"}],
    },
    {"question": "What dose of dexamethasone for malignant spinal cord compression?"},
    {"question": "How is severe hyperkalaemia treated?"},
    {"question": "what dose?", "article_id": "anaphylaxis-emergency-management"},
    {"question": "Is metformin safe when the eGFR is 25?"},
    {"question": "How quickly should antibiotics be given in febrile neutropenia?"},
    {"question": "What is the first-line treatment of an acute gout flare?"},
    {"question": "my husbands face is droping and he cant talk properly", "audience": "patient"},
    {"question": "What's a good recipe for banana bread?"},
]


# --- questions -----------------------------------------------------------------------------------------


def golden_requests() -> list[dict[str, Any]]:
    """Requests from the golden set (direct questions and follow-ups with their context), if present."""
    golden = REPO / "evals" / "golden"
    files = [golden / "corpus.jsonl"] if (golden / "corpus.jsonl").is_file() else sorted(golden.glob("parts/*.jsonl"))
    requests = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            request: dict[str, Any] = {"question": case["question"], "audience": case.get("audience", "clinician")}
            if case.get("article_id"):
                request["article_id"] = case["article_id"]
            if case.get("history"):
                request["history"] = case["history"]
            requests.append(request)
    return requests


def liveqa_requests() -> list[dict[str, Any]]:
    """Consumer questions of the LiveQA-MedQuAD dev split (for a MedQuAD index), if ../shared is present."""
    path = SHARED / "data" / "liveqa-medquad-dev" / "queries.jsonl"
    if not path.is_file():
        return []
    requests = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            query = json.loads(line)
            for text in (query.get("text"), (query.get("metadata") or {}).get("nist_paraphrase")):
                if text:
                    requests.append({"question": text[:2000]})
    return requests


# --- servers -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "VADEMECUM_DATA_DIR": str(data_dir),
        "TOKENIZERS_PARALLELISM": "false",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def unlimited(env: dict[str, str]) -> dict[str, str]:
    """Every benchmark client shares one address: per-client rate limiting would measure 429s."""
    return {**env, "VADEMECUM_SERVICE__RATE_LIMIT_PER_SECOND": "0"}


class Server:
    """A server subprocess on 127.0.0.1, its output in a log file, stopped with SIGINT."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log_dir: Path, name: str) -> None:
        self.port = port
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log_path}")
            try:
                response = httpx.get(f"{self.url}/readyz", timeout=2)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"server not ready after {timeout:.0f} s; see {self.log_path}")

    def rss_mb(self) -> tuple[float, float]:
        """(current, peak) resident memory of the server process, in MB."""
        values = {}
        status = Path(f"/proc/{self.process.pid}/status")
        if status.is_file():
            for line in status.read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024
        return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def corpus_data_dir(args: argparse.Namespace) -> Path:
    """The index of the bundled corpus: the configured data directory, ingested first when stale."""
    from ingest.settings import get_settings
    from service.cli import ensure_index

    settings = get_settings()
    if args.corpus_data_dir:
        settings = settings.model_copy(update={"data_dir": args.corpus_data_dir})
    ensure_index(settings)
    return Path(settings.data_dir).resolve()
