"""Load run: many requests against a real `vademecum serve`, checking nothing is lost and memory stays flat.

    nice .venv/bin/python -m evals.bench_load [--requests 20000] [--clients 32] [--rate-limit off|default]

It starts `vademecum serve --no-ingest` (uvicorn) on a free 127.0.0.1 port over the bundled corpus
index (ingested first when stale, as evals.bench_service does), then `--clients` concurrent httpx
clients send `--requests` POST /v1/followups, cycling through the golden questions, each client
sending its next request when it has an answer. The run is bounded: it stops after `--requests`, or
after `--max-seconds` whatever is left.

All requests come from one host, so the per-client rate limit would refuse most of them: by default
(`--rate-limit off`) the server runs with VADEMECUM_SERVICE__RATE_LIMIT_PER_SECOND=0. With
`--rate-limit default` it keeps the configured limit, and the run shows the 429s are deliberate.

It prints the totals, the count per HTTP status, lost requests (sent but never answered), latency
percentiles, requests/s and the server's resident memory sampled through the run. It exits non-zero
when a check fails: a lost request, a status other than 200 / 429 / 503, a 429 or 503 without
`Retry-After` and its error code, a run cut short, or memory that still grows in the second half.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evals.bench_harness import FALLBACK_QUESTIONS, Server, corpus_data_dir, free_port, golden_requests, server_env

# Deliberate refusals and the error code each must carry.
REFUSALS = {429: "rate_limited", 503: "overloaded"}
# Memory is flat when the second half of the run adds at most this much (MB, or fraction of the middle).
FLAT_MB, FLAT_FRACTION = 32.0, 0.05


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    # A 429 / 503 without Retry-After or without its error code: not a deliberate refusal.
    malformed_refusals: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the run, MB)
    peak_rss_mb: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def refusal_is_deliberate(response: httpx.Response) -> bool:
    try:
        retry_after = int(response.headers.get("Retry-After", "0"))
        code = response.json().get("code")
    except ValueError:
        return False
    return retry_after >= 1 and code == REFUSALS[response.status_code]


async def sample_memory(server: Server, tally: Tally, begin: float, every_s: float) -> None:
    while True:
        rss, peak = server.rss_mb()
        tally.rss.append((time.perf_counter() - begin, rss))
        tally.peak_rss_mb = max(tally.peak_rss_mb, peak)
        await asyncio.sleep(every_s)


async def drive(server: Server, bodies: list[dict[str, Any]], args: argparse.Namespace) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=args.request_timeout) as client:
        for body in bodies[: args.warmup]:  # load the caches and thread pools before measuring
            await client.post("/v1/followups", json=body)
        counter = iter(range(args.requests))
        begin = time.perf_counter()
        deadline = begin + args.max_seconds

        async def worker() -> None:
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                tally.sent += 1
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/followups", json=bodies[i % len(bodies)])
                except httpx.HTTPError as error:
                    tally.transport_errors[type(error).__name__] += 1
                    continue
                tally.answered += 1
                tally.statuses[response.status_code] += 1
                tally.latencies_ms.append((time.perf_counter() - started) * 1000)
                if response.status_code in REFUSALS and not refusal_is_deliberate(response):
                    tally.malformed_refusals += 1

        sampler = asyncio.create_task(sample_memory(server, tally, begin, args.sample_every))
        try:
            await asyncio.gather(*(worker() for _ in range(args.clients)))
        finally:
            sampler.cancel()
        tally.seconds = time.perf_counter() - begin
        rss, peak = server.rss_mb()
        tally.rss.append((tally.seconds, rss))
        tally.peak_rss_mb = max(tally.peak_rss_mb, peak)
    return tally


def memory_points(tally: Tally) -> tuple[float, float, float]:
    """RSS (MB) at the start, middle and end of the run."""
    middle = min(tally.rss, key=lambda point: abs(point[0] - tally.seconds / 2))
    return tally.rss[0][1], middle[1], tally.rss[-1][1]


def checks(tally: Tally, args: argparse.Namespace) -> list[tuple[str, bool]]:
    _, middle, end = memory_points(tally)
    allowed = max(FLAT_MB, FLAT_FRACTION * middle)
    unexpected = {code: n for code, n in tally.statuses.items() if code != 200 and code not in REFUSALS}
    return [
        (f"all {args.requests} requests sent (sent {tally.sent})", tally.sent == args.requests),
        (f"no lost requests (lost {tally.sent - tally.answered})", tally.sent == tally.answered),
        (f"no status but 200 / 429 / 503 (unexpected {unexpected or 'none'})", not unexpected),
        (f"every 429 / 503 deliberate (malformed {tally.malformed_refusals})", tally.malformed_refusals == 0),
        (
            f"memory flat: second half grew {end - middle:+.0f} MB (allowed {allowed:.0f} MB)",
            end - middle <= allowed,
        ),
    ]


def report(tally: Tally, args: argparse.Namespace) -> tuple[str, bool]:
    start, middle, end = memory_points(tally)
    ok_200 = tally.statuses.get(200, 0)
    lines = [
        f"load: {args.requests} requests, {args.clients} clients, rate limit {args.rate_limit}",
        f"total sent {tally.sent}, answered {tally.answered}, lost {tally.sent - tally.answered}"
        + (f" ({dict(tally.transport_errors)})" if tally.transport_errors else ""),
        f"statuses: {dict(sorted(tally.statuses.items()))}",
        f"5xx other than deliberate 503: {sum(n for c, n in tally.statuses.items() if c >= 500 and c != 503)}",
        f"throughput: {tally.answered / tally.seconds:.1f} responses/s ({ok_200 / tally.seconds:.1f} answers/s) "
        f"over {tally.seconds:.1f} s",
        f"latency (all responses): p50 {tally.percentile(50):.1f} ms, p95 {tally.percentile(95):.1f} ms, "
        f"p99 {tally.percentile(99):.1f} ms",
        f"server RSS: start {start:.0f} MB, middle {middle:.0f} MB, end {end:.0f} MB, peak {tally.peak_rss_mb:.0f} MB "
        f"({len(tally.rss)} samples)",
    ]
    results = checks(tally, args)
    lines += [f"  {'ok    ' if passed else 'FAILED'} {text}" for text, passed in results]
    passed = all(passed for _, passed in results)
    lines.append("verdict: " + ("all checks passed" if passed else "CHECKS FAILED"))
    return "\n".join(lines), passed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests to send (default 20000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--warmup", type=int, default=64, help="requests before measuring (default 64)")
    parser.add_argument(
        "--rate-limit",
        choices=("off", "default"),
        default="off",
        help="off: serve with VADEMECUM_SERVICE__RATE_LIMIT_PER_SECOND=0 (one host sends everything); "
        "default: keep the configured per-client limit (default off)",
    )
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop sending after this (default 1800)")
    parser.add_argument("--request-timeout", type=float, default=60, help="client timeout per request (default 60)")
    parser.add_argument("--sample-every", type=float, default=1.0, help="seconds between RSS samples (default 1)")
    parser.add_argument("--corpus-data-dir", type=Path, help="index of corpus/ (default: the settings' data dir)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bodies = golden_requests() or list(FALLBACK_QUESTIONS)
    random.Random(7).shuffle(bodies)
    env = server_env(corpus_data_dir(args))
    if args.rate_limit == "off":
        env["VADEMECUM_SERVICE__RATE_LIMIT_PER_SECOND"] = "0"
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        port = free_port()
        command = [sys.executable, "-m", "vademecum", "serve", "--no-ingest", "--port", str(port)]
        server = Server(command, env, port, Path(tmp), "vademecum")
        try:
            server.wait_ready()
            print(f"serving on {server.url}; {len(bodies)} distinct questions; driving ...", file=sys.stderr)
            tally = asyncio.run(drive(server, bodies, args))
        finally:
            server.stop()
    text, passed = report(tally, args)
    print(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
