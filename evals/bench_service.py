"""Load benchmark of the answer service over real HTTP, next to a naive LangChain pipeline.

    .venv/bin/python -m evals.bench_service [--clients 8] [--requests 1500] [--data-dir DIR ...]

For each index (the bundled corpus, ingested first when stale, and every `--data-dir`, e.g. a MedQuAD
index), it starts two real uvicorn servers on 127.0.0.1, one after the other, and drives each with
the same concurrent clients and the same questions:

- `vademecum`: the service itself (`vademecum serve --no-ingest`), POST /v1/followups: safety checks,
  hybrid retrieval, composition, citations, logging, everything a user gets;
- `langchain`: the naive pipeline, `langchain_chroma.Chroma(...).similarity_search(k=4)` with the same
  embedder on the same Chroma collection of the same index version, behind one FastAPI route.

Both servers get the same thread settings (one torch thread per request thread), so the comparison is
of the pipelines, not of thread tuning. Each server is driven twice, each run bounded (`--requests`
after `--warmup`) so the benchmark stops by itself:

- `@ max`: every client sends its next request as soon as it has an answer: the capacity (req/s);
- `@ 60/s`: the clients together start `--rate` requests per second on a fixed schedule: the latency
  at a load above the 50 req/s target (closed-loop clients at full speed measure queueing as well:
  at capacity C, eight clients wait about 8 / C seconds whatever the per-request cost).

It prints p50 / p95 / p99 latency, requests per second, the server's resident memory (now and peak),
the server's own stage timings, and whether the service meets its targets at 8 clients: p50 < 30 ms
and p95 < 100 ms at the paced load, capacity >= 50 requests/s, RSS < 1.5 GB. The benchmark client
runs on the same machine and takes CPU from the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared"))
TARGETS = {"p50_ms": 30.0, "p95_ms": 100.0, "rps": 50.0, "rss_mb": 1536.0}

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

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "pipeline": self.pipeline,
            "clients": self.clients,
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
            "rps": round(self.rps, 1),
            "server_cpu_ms_per_request": round(1000 * self.server_cpu_s / max(1, len(self.latencies_ms)), 2),
            "rss_mb": round(self.rss_mb),
            "peak_rss_mb": round(self.peak_rss_mb),
            "statuses": dict(self.statuses),
            "server_stage_p50_ms": {k: round(statistics.median(v), 2) for k, v in self.stages.items() if v},
        }


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


# --- load ----------------------------------------------------------------------------------------------


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
                result.statuses[str(payload.get("status", "searched"))] += 1
                for stage, ms in (payload.get("timings") or {}).items():
                    result.stages.setdefault(stage, []).append(float(ms))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        result.seconds = time.perf_counter() - started


def measure(
    name: str,
    server: Server,
    path: str,
    bodies: list[dict[str, Any]],
    args: argparse.Namespace,
    index_label: str,
) -> list[Result]:
    """Both load shapes against one server: saturation (capacity), then paced at `--rate` (latency)."""
    results = []
    try:
        server.wait_ready()
        for rate in (None, args.rate):
            label = f"{name} @ {'max' if rate is None else f'{rate:g}/s'}"
            result = Result(index=index_label, pipeline=label, clients=args.clients)
            cpu_before = server.cpu_seconds()
            asyncio.run(drive(server.url, path, bodies, args.clients, args.requests, args.warmup, result, rate))
            # Includes the warm-up requests' share; small against the measured ones.
            result.server_cpu_s = (server.cpu_seconds() - cpu_before) * args.requests / (args.requests + args.warmup)
            result.rss_mb, result.peak_rss_mb = server.rss_mb()
            results.append(result)
    finally:
        server.stop()
    return results


def bench_index(
    label: str,
    data_dir: Path,
    bodies: list[dict[str, Any]],
    args: argparse.Namespace,
    encoder: dict[str, str] | None = None,
    with_baseline: bool = True,
) -> list[Result]:
    """`encoder`: the VADEMECUM_EMBEDDING__* variables of the server (evals.bench_encoders); None: the settings'."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        logs = Path(tmp)
        port = free_port()
        service = Server(
            [sys.executable, "-m", "vademecum", "serve", "--no-ingest", "--port", str(port)],
            {**unlimited(server_env(data_dir)), **(encoder or {})},
            port,
            logs,
            "vademecum",
        )
        print(f"[{label}] vademecum: {len(bodies)} distinct requests, {args.clients} clients ...", file=sys.stderr)
        results.extend(measure("vademecum /v1/followups", service, "/v1/followups", bodies, args, label))
        if with_baseline and not args.no_baseline:
            port = free_port()
            baseline = Server(
                [sys.executable, "-m", "evals.langchain_baseline", str(data_dir), "--port", str(port)],
                unlimited(server_env(data_dir)),
                port,
                logs,
                "langchain",
            )
            print(f"[{label}] langchain baseline ...", file=sys.stderr)
            searches = [{"question": body["question"]} for body in bodies]
            results.extend(measure("langchain similarity_search(k=4)", baseline, "/search", searches, args, label))
    return results


# --- report --------------------------------------------------------------------------------------------


def report(results: list[Result]) -> str:
    header = (
        f"{'index':<10} {'pipeline':<42} {'clients':>7} {'requests':>8} {'errors':>6} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'CPU ms/req':>10} {'RSS MB':>7} {'peak MB':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        s = r.summary()
        lines.append(
            f"{s['index']:<10} {s['pipeline']:<42} {s['clients']:>7} {s['requests']:>8} {s['errors']:>6} "
            f"{s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['rps']:>7.1f} "
            f"{s['server_cpu_ms_per_request']:>10.2f} {s['rss_mb']:>7} "
            f"{s['peak_rss_mb']:>8}"
        )
    lines.append("")
    by_index: dict[str, dict[str, Result]] = {}
    for r in results:
        if r.pipeline.startswith("vademecum"):
            by_index.setdefault(r.index, {})["max" if r.pipeline.endswith("max") else "paced"] = r
    for index, runs in by_index.items():
        capacity, paced = runs.get("max"), runs.get("paced") or runs.get("max")
        if capacity is None or paced is None:
            continue
        p50, p95 = paced.percentile(50), paced.percentile(95)
        peak = max(capacity.peak_rss_mb, paced.peak_rss_mb)
        checks = [
            f"p50 {p50:.1f} < {TARGETS['p50_ms']:.0f} ms: {_ok(p50 < TARGETS['p50_ms'])}",
            f"p95 {p95:.1f} < {TARGETS['p95_ms']:.0f} ms: {_ok(p95 < TARGETS['p95_ms'])}",
            f"capacity {capacity.rps:.1f} >= {TARGETS['rps']:.0f} req/s: {_ok(capacity.rps >= TARGETS['rps'])}",
            f"peak RSS {peak:.0f} < {TARGETS['rss_mb']:.0f} MB: {_ok(peak < TARGETS['rss_mb'])}",
        ]
        lines.append(
            f"targets [{index}, {capacity.clients} clients; latency at {paced.pipeline.split('@')[-1].strip()}]:"
        )
        lines.append("  " + "; ".join(checks))
        lines.append(f"  answer statuses: {dict(capacity.statuses + paced.statuses)}")
        stages = paced.summary()["server_stage_p50_ms"]
        lines.append(f"  server-side stage medians at {paced.pipeline.split('@')[-1].strip()}: {stages}")
    return "\n".join(lines)


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


def corpus_data_dir(args: argparse.Namespace) -> Path:
    """The index of the bundled corpus: the configured data directory, ingested first when stale."""
    from ingest.settings import get_settings
    from service.cli import ensure_index

    settings = get_settings()
    if args.corpus_data_dir:
        settings = settings.model_copy(update={"data_dir": args.corpus_data_dir})
    ensure_index(settings)
    return Path(settings.data_dir).resolve()


def _requests_for(label: str) -> list[dict[str, Any]]:
    bodies = golden_requests() or list(FALLBACK_QUESTIONS)
    if label != "corpus":
        bodies = liveqa_requests() + [b for b in bodies if "article_id" not in b]
    random.Random(7).shuffle(bodies)
    return bodies


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_service", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=1500, help="measured requests per pipeline (default 1500)")
    parser.add_argument("--warmup", type=int, default=50, help="requests before measuring (default 50)")
    parser.add_argument(
        "--rate", type=float, default=60.0, help="offered load of the paced run, requests/s (default 60)"
    )
    parser.add_argument("--data-dir", type=Path, action="append", default=[], help="another index, e.g. MedQuAD")
    parser.add_argument("--corpus-data-dir", type=Path, help="index of corpus/ (default: the settings' data dir)")
    parser.add_argument("--skip-corpus", action="store_true", help="only the --data-dir indexes")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain pipeline")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument(
        "--encoders",
        help="side by side, one server each: torch, fp32, int8 (e.g. torch,fp32; see evals/bench_encoders.py)",
    )
    return parser.parse_args(argv)


def indexes(args: argparse.Namespace) -> Iterator[tuple[str, Path]]:
    if not args.skip_corpus:
        yield "corpus", corpus_data_dir(args)
    for data_dir in args.data_dir:
        if not (data_dir / "ACTIVE").is_file():
            print(f"skipping {data_dir}: no index there (ACTIVE missing)", file=sys.stderr)
            continue
        yield ("medquad" if "medquad" in str(data_dir).lower() else data_dir.name), data_dir.resolve()


def bench_encoders(label: str, data_dir: Path, args: argparse.Namespace) -> list[Result]:
    """One vademecum server per encoder, each over the index that encoder built (the baseline runs once)."""
    from evals.bench_encoders import encoder_env, index_for, parse_encoders
    from ingest.settings import get_settings

    results: list[Result] = []
    for position, encoder in enumerate(parse_encoders(args.encoders)):
        directory = index_for(encoder, data_dir, get_settings(), build=label == "corpus")
        if directory is None:
            print(f"skipping {label} with {encoder}: no index built by it at {data_dir}(-{encoder})", file=sys.stderr)
            continue
        bodies = _requests_for(label)
        results.extend(bench_index(f"{label}/{encoder}", directory, bodies, args, encoder_env(encoder), position == 0))
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[Result] = []
    for label, data_dir in indexes(args):
        if args.encoders:
            results.extend(bench_encoders(label, data_dir, args))
        else:
            results.extend(bench_index(label, data_dir, _requests_for(label), args))
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps([r.summary() for r in results], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
