"""Load benchmark of the answer service over real HTTP, next to a naive LangChain pipeline.

    .venv/bin/python -m evals.bench_service [--clients 8] [--requests 1500] [--data-dir DIR ...]

For each index (the bundled corpus, ingested first when stale, and every `--data-dir`, e.g. a MedQuAD
index), it starts two real uvicorn servers on 127.0.0.1, one after the other, and drives each with
the same concurrent clients and the same questions:

- `vademecum`: the service itself (`vademecum serve --no-ingest`), POST /v1/followups: safety checks,
  hybrid retrieval, composition, citations, logging, everything a user gets; then, on the same server, the
  same questions through POST /v1/chat/completions (OpenAI's shape, non-streamed), so the report gives the
  chat endpoint's overhead over /v1/followups from one run (`--no-chat` skips it);
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
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evals.bench_harness import (
    FALLBACK_QUESTIONS,
    Server,
    corpus_data_dir,
    free_port,
    golden_requests,
    liveqa_requests,
    server_env,
    unlimited,
)

TARGETS = {"p50_ms": 30.0, "p95_ms": 100.0, "rps": 50.0, "rss_mb": 1536.0}
FOLLOWUPS = "vademecum /v1/followups"
CHAT = "vademecum /v1/chat/completions"


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
                # A chat completion carries the follow-up answer under "vademecum".
                payload = payload.get("vademecum", payload)
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
    """Both load shapes against one running server: saturation (capacity), then paced at `--rate` (latency)."""
    results = []
    for rate in (None, args.rate):
        label = f"{name} @ {'max' if rate is None else f'{rate:g}/s'}"
        result = Result(index=index_label, pipeline=label, clients=args.clients)
        cpu_before = server.cpu_seconds()
        asyncio.run(drive(server.url, path, bodies, args.clients, args.requests, args.warmup, result, rate))
        # Includes the warm-up requests' share; small against the measured ones.
        result.server_cpu_s = (server.cpu_seconds() - cpu_before) * args.requests / (args.requests + args.warmup)
        result.rss_mb, result.peak_rss_mb = server.rss_mb()
        results.append(result)
    return results


def chat_body(followup: dict[str, Any]) -> dict[str, Any]:
    """The same request in OpenAI's chat shape: the history as earlier messages, the question as the last."""
    messages = [*followup.get("history", []), {"role": "user", "content": followup["question"]}]
    audience = followup.get("audience", "clinician")
    body: dict[str, Any] = {"model": "vademecum", "messages": messages, "audience": audience}
    if followup.get("article_id"):
        body["article_id"] = followup["article_id"]
    return body


def bench_index(label: str, data_dir: Path, bodies: list[dict[str, Any]], args: argparse.Namespace) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        logs = Path(tmp)
        port = free_port()
        service = Server(
            [sys.executable, "-m", "vademecum", "serve", "--no-ingest", "--port", str(port)],
            unlimited(server_env(data_dir)),
            port,
            logs,
            "vademecum",
        )
        print(f"[{label}] vademecum: {len(bodies)} distinct requests, {args.clients} clients ...", file=sys.stderr)
        try:
            service.wait_ready()
            results.extend(measure(FOLLOWUPS, service, "/v1/followups", bodies, args, label))
            if not args.no_chat:
                print(f"[{label}] vademecum /v1/chat/completions ...", file=sys.stderr)
                chats = [chat_body(body) for body in bodies]
                results.extend(measure(CHAT, service, "/v1/chat/completions", chats, args, label))
        finally:
            service.stop()
        if not args.no_baseline:
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
            try:
                baseline.wait_ready()
                results.extend(measure("langchain similarity_search(k=4)", baseline, "/search", searches, args, label))
            finally:
                baseline.stop()
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
        if r.pipeline.startswith(FOLLOWUPS):
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
    lines.extend(chat_overhead(results))
    return "\n".join(lines)


def chat_overhead(results: list[Result]) -> list[str]:
    """Per index and load shape: /v1/chat/completions against /v1/followups on the same server and questions."""
    runs = {(r.index, r.pipeline): r for r in results}
    lines = []
    for (index, pipeline), chat in runs.items():
        followups = runs.get((index, pipeline.replace(CHAT, FOLLOWUPS)))
        if not pipeline.startswith(CHAT) or followups is None:
            continue
        shape = pipeline.split("@")[-1].strip()
        p50, base50 = chat.percentile(50), followups.percentile(50)
        p95, base95 = chat.percentile(95), followups.percentile(95)
        lines.append(
            f"chat overhead [{index}, {chat.clients} clients @ {shape}]: p50 {p50:.1f} vs {base50:.1f} ms "
            f"(+{p50 - base50:.1f} ms, x{p50 / base50:.2f}); p95 {p95:.1f} vs {base95:.1f} ms "
            f"(x{p95 / base95:.2f}); req/s {chat.rps:.1f} vs {followups.rps:.1f}; server CPU "
            f"{_cpu_per_request(chat):.2f} vs {_cpu_per_request(followups):.2f} ms/req"
        )
    return lines


def _cpu_per_request(result: Result) -> float:
    return 1000 * result.server_cpu_s / max(1, len(result.latencies_ms))


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


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
    parser.add_argument("--no-chat", action="store_true", help="skip /v1/chat/completions")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    return parser.parse_args(argv)


def indexes(args: argparse.Namespace) -> Iterator[tuple[str, Path]]:
    if not args.skip_corpus:
        yield "corpus", corpus_data_dir(args)
    for data_dir in args.data_dir:
        if not (data_dir / "ACTIVE").is_file():
            print(f"skipping {data_dir}: no index there (ACTIVE missing)", file=sys.stderr)
            continue
        yield ("medquad" if "medquad" in str(data_dir).lower() else data_dir.name), data_dir.resolve()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[Result] = []
    for label, data_dir in indexes(args):
        results.extend(bench_index(label, data_dir, _requests_for(label), args))
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps([r.summary() for r in results], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
