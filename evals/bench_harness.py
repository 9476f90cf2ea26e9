"""What the HTTP benchmarks share: their questions, a server subprocess on 127.0.0.1, the indexes it serves.

Used by evals.bench_service (latency and capacity next to a LangChain pipeline, per encoder) and
evals.bench_load (many clients, lost requests, memory). The index of one encoder kind (torch, int8, fp32) is a
data directory of its own: `<dir>/<kind>` when the benchmark compares encoders (as evals.bench_ingest
--data-dir writes them), or a single directory whose active index holds that kind's vectors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import httpx

from ingest.settings import EncoderKind

ENCODER_KINDS: tuple[EncoderKind, ...] = get_args(EncoderKind)

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


def parse_encoders(text: str) -> list[EncoderKind]:
    """`torch,int8` as encoder kinds, in order, each once (an argparse type)."""
    kinds: list[EncoderKind] = []
    for name in (part.strip() for part in text.split(",")):
        kind = next((k for k in ENCODER_KINDS if k == name), None)
        if kind is None:
            raise argparse.ArgumentTypeError(f"unknown encoder {name!r} (expected {', '.join(ENCODER_KINDS)})")
        if kind not in kinds:
            kinds.append(kind)
    return kinds


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


def server_env(data_dir: Path, encoder: EncoderKind | None = None) -> dict[str, str]:
    """The server's environment: `data_dir`, one BLAS thread, and `encoder` (default: the configured one)."""
    env = {
        **os.environ,
        "VADEMECUM_DATA_DIR": str(data_dir),
        "TOKENIZERS_PARALLELISM": "false",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if encoder is not None:
        env["VADEMECUM_EMBEDDING__ENCODER"] = encoder
    return env


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


def corpus_data_dir(args: argparse.Namespace, encoder: EncoderKind | None = None, own_dir: bool = False) -> Path:
    """The index of the bundled corpus, ingested first when stale (`vademecum ingest` in a child process).

    The configured data directory, or `args.corpus_data_dir`; with `encoder`, embedded with that encoder
    (VADEMECUM_EMBEDDING__ENCODER for the ingest), and with `own_dir` in that directory's `<encoder>/`.
    """
    from ingest.settings import get_settings
    from service.cli import ensure_index

    settings = get_settings()
    data_dir = Path(args.corpus_data_dir or settings.data_dir)
    embedding = settings.embedding
    if encoder is not None:
        embedding = embedding.model_copy(update={"encoder": encoder})
        data_dir = data_dir / encoder if own_dir else data_dir
    settings = settings.model_copy(update={"data_dir": data_dir, "embedding": embedding})
    ensure_index(settings)
    return Path(settings.data_dir).resolve()


def encoder_data_dir(data_dir: Path, encoder: EncoderKind) -> Path | None:
    """The index of `encoder` under a benchmarked data directory, or None when it holds none.

    `data_dir/<encoder>` when it holds an index (evals.bench_ingest --data-dir writes one per encoder), else
    `data_dir` itself when its active index holds `encoder` vectors (a serving process refuses any other).
    """
    from ingest.layout import DataDir, IndexMissingError
    from ingest.version import IndexCorruptError, read_manifest

    if (data_dir / encoder / "ACTIVE").is_file():
        return (data_dir / encoder).resolve()
    try:
        manifest = read_manifest(DataDir(data_dir).active_version_dir())
    except (IndexMissingError, IndexCorruptError, OSError, ValueError):
        return None
    return data_dir.resolve() if manifest.encoder == encoder else None


# --- load ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    index: str
    pipeline: str
    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    # CPU seconds the server process used during the run: robust to other load on the machine.
    server_cpu_s: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    # Server-side stage timings reported in the answers (ms), to tell model time from the rest.
    stages: dict[str, list[float]] = field(default_factory=dict)
    # The encoder the server embedded questions with ("": not recorded, e.g. the LangChain baseline).
    encoder: str = ""

    @property
    def where(self) -> str:
        """The index, and the encoder when there is one: `corpus` or `corpus/int8`."""
        return f"{self.index}/{self.encoder}" if self.encoder else self.index

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / max(1, len(self.latencies_ms))

    def summary(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "encoder": self.encoder,
            "pipeline": self.pipeline,
            "clients": self.clients,
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
            "rps": round(self.rps, 1),
            "server_cpu_ms_per_request": round(self.cpu_ms_per_request, 2),
            "rss_mb": round(self.rss_mb),
            "peak_rss_mb": round(self.peak_rss_mb),
            "statuses": dict(self.statuses),
            "server_stage_p50_ms": {k: round(statistics.median(v), 2) for k, v in self.stages.items() if v},
        }


async def drive(
    url: str,
    path: str,
    bodies: list[dict[str, Any]],
    clients: int,
    requests: int,
    warmup: int,
    result: Result,
    rate: float | None = None,
) -> None:
    """`clients` concurrent clients send `warmup` then `requests` requests, cycling through `bodies`.

    Without `rate`, each client sends its next request as soon as the previous one is answered (the
    server's capacity). With `rate`, the clients together start `rate` requests per second on a fixed
    schedule (latency at that load); a client that falls behind sends at once.
    """
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        for body in bodies[:warmup]:
            await client.post(path, json=body)
        counter = iter(range(requests))
        begin = time.perf_counter()

        async def worker() -> None:
            for i in counter:
                if rate:
                    delay = begin + i / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                body = bodies[(warmup + i) % len(bodies)]
                started = time.perf_counter()
                try:
                    response = await client.post(path, json=body)
                except httpx.HTTPError:
                    result.errors += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    result.errors += 1
                    continue
                result.latencies_ms.append(elapsed)
                payload = response.json()
                # A chat completion carries the follow-up answer under "vademecum".
                payload = payload.get("vademecum", payload)
                result.statuses[str(payload.get("status", "searched"))] += 1
                for stage, ms in (payload.get("timings") or {}).items():
                    result.stages.setdefault(stage, []).append(float(ms))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        result.seconds = time.perf_counter() - started
