"""Load benchmark of the answer service over real HTTP, per encoder, next to a naive LangChain pipeline.

    .venv/bin/python -m evals.bench_service [--clients 8] [--requests 1500] [--encoders torch,int8]
        [--corpus-data-dir DIR] [--data-dir DIR ...]

    # e.g. torch and int8 side by side on the bundled corpus, indexes in /tmp/bench/torch and /tmp/bench/int8:
    .venv/bin/python -m evals.bench_service --encoders torch,int8 --corpus-data-dir /tmp/bench

For each index (the bundled corpus, ingested first when stale, and every `--data-dir`, e.g. a MedQuAD
index) and each encoder of `--encoders` (a comma list of torch, int8 and fp32; default: the configured
encoder only), it starts real uvicorn servers on 127.0.0.1, one after the other, and drives each with the
same concurrent clients and the same questions:

- `vademecum`: the service itself (`vademecum serve --no-ingest` with VADEMECUM_EMBEDDING__ENCODER set to
  the encoder), POST /v1/followups: safety checks, hybrid retrieval, composition, citations, logging,
  everything a user gets; then, on the same server, the same questions through POST /v1/chat/completions
  (OpenAI's shape, non-streamed), so the report gives the chat endpoint's overhead over /v1/followups from
  one run (`--no-chat` skips it);
- `langchain`: the naive pipeline, `langchain_chroma.Chroma(...).similarity_search(k=4)` on the same
  Chroma collection of the same index version, behind one FastAPI route. It embeds with sentence-transformers
  (torch) whatever the encoder, so it runs once per index: over the torch index when torch is benchmarked.

Where each encoder's index is (a serving process refuses an index built with another encoder):

- the corpus: with only the configured encoder, the settings' data dir (or `--corpus-data-dir DIR`) as it
  is; when `--encoders` names any other, `<that dir>/<encoder>` for every encoder. Each is ingested first
  when stale (`vademecum ingest` with VADEMECUM_EMBEDDING__ENCODER set to the encoder);
- a `--data-dir DIR` is never ingested: `DIR/<encoder>` when it holds an index (evals.bench_ingest
  --data-dir DIR writes one per encoder), else DIR itself when its index was built with that encoder;
  an encoder with neither is skipped.

Every server gets the same thread settings (VADEMECUM_SERVICE__ENCODER_THREADS encoder threads per request
thread, one BLAS thread), so the comparison is of the pipelines and encoders, not of thread tuning. Each
server is driven twice, each run bounded (`--requests` after `--warmup`) so the benchmark stops by itself:

- `@ max`: every client sends its next request as soon as it has an answer: the capacity (req/s);
- `@ 60/s`: the clients together start `--rate` requests per second on a fixed schedule: the latency
  at a load above the 50 req/s target (closed-loop clients at full speed measure queueing as well:
  at capacity C, eight clients wait about 8 / C seconds whatever the per-request cost).

It prints p50 / p95 / p99 latency, requests per second, the server's CPU per request and resident memory
(after the run, and peak), the server's own stage timings, whether the service meets its targets at 8
clients: p50 < 30 ms and p95 < 100 ms at the paced load, capacity >= 50 requests/s, RSS < 1.5 GB; and, with
several encoders, the encoders side by side with each p50 against torch's from the same run. The benchmark
client runs on the same machine and takes CPU from the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evals.bench_harness import (
    FALLBACK_QUESTIONS,
    Result,
    Server,
    corpus_data_dir,
    drive,
    encoder_data_dir,
    free_port,
    golden_requests,
    liveqa_requests,
    parse_encoders,
    server_env,
    unlimited,
)
from ingest.settings import EncoderKind, get_settings

TARGETS = {"p50_ms": 30.0, "p95_ms": 100.0, "rps": 50.0, "rss_mb": 1536.0}
FOLLOWUPS = "vademecum /v1/followups"
CHAT = "vademecum /v1/chat/completions"


def measure(
    name: str,
    server: Server,
    path: str,
    bodies: list[dict[str, Any]],
    args: argparse.Namespace,
    index_label: str,
    encoder: str = "",
) -> list[Result]:
    """Both load shapes against one running server: saturation (capacity), then paced at `--rate` (latency)."""
    results = []
    for rate in (None, args.rate):
        label = f"{name} @ {'max' if rate is None else f'{rate:g}/s'}"
        result = Result(index=index_label, pipeline=label, clients=args.clients, encoder=encoder)
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


def bench_index(
    label: str, data_dirs: dict[EncoderKind, Path], bodies: list[dict[str, Any]], args: argparse.Namespace
) -> list[Result]:
    """The service with each encoder over its own index, then the LangChain baseline once."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        logs = Path(tmp)
        for encoder, data_dir in data_dirs.items():
            where = f"{label}/{encoder}"
            port = free_port()
            service = Server(
                [sys.executable, "-m", "vademecum", "serve", "--no-ingest", "--port", str(port)],
                unlimited(server_env(data_dir, encoder)),
                port,
                logs,
                f"vademecum-{encoder}",
            )
            print(f"[{where}] vademecum: {len(bodies)} distinct requests, {args.clients} clients ...", file=sys.stderr)
            try:
                service.wait_ready()
                results.extend(measure(FOLLOWUPS, service, "/v1/followups", bodies, args, label, encoder))
                if not args.no_chat:
                    print(f"[{where}] vademecum /v1/chat/completions ...", file=sys.stderr)
                    chats = [chat_body(body) for body in bodies]
                    results.extend(measure(CHAT, service, "/v1/chat/completions", chats, args, label, encoder))
            finally:
                service.stop()
        if not args.no_baseline:
            data_dir = data_dirs.get("torch") or next(iter(data_dirs.values()))
            port = free_port()
            baseline = Server(
                [sys.executable, "-m", "evals.langchain_baseline", str(data_dir), "--port", str(port)],
                unlimited(server_env(data_dir)),
                port,
                logs,
                "langchain",
            )
            print(f"[{label}] langchain baseline over {data_dir} ...", file=sys.stderr)
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
        f"{'index':<10} {'encoder':<7} {'pipeline':<42} {'clients':>7} {'requests':>8} {'errors':>6} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'CPU ms/req':>10} {'RSS MB':>7} {'peak MB':>8}"
    )
    threads = get_settings().service.encoder_threads
    lines = [f"every server: {threads} encoder thread(s) per request (VADEMECUM_SERVICE__ENCODER_THREADS)", header]
    lines.append("-" * len(header))
    for r in results:
        s = r.summary()
        lines.append(
            f"{s['index']:<10} {s['encoder'] or '-':<7} {s['pipeline']:<42} {s['clients']:>7} {s['requests']:>8} "
            f"{s['errors']:>6} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['rps']:>7.1f} "
            f"{s['server_cpu_ms_per_request']:>10.2f} {s['rss_mb']:>7} {s['peak_rss_mb']:>8}"
        )
    lines.append("")
    by_index: dict[str, dict[str, Result]] = {}
    for r in results:
        if r.pipeline.startswith(FOLLOWUPS):
            by_index.setdefault(r.where, {})["max" if r.pipeline.endswith("max") else "paced"] = r
    for where, runs in by_index.items():
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
            f"targets [{where}, {capacity.clients} clients; latency at {paced.pipeline.split('@')[-1].strip()}]:"
        )
        lines.append("  " + "; ".join(checks))
        lines.append(f"  answer statuses: {dict(capacity.statuses + paced.statuses)}")
        stages = paced.summary()["server_stage_p50_ms"]
        lines.append(f"  server-side stage medians at {paced.pipeline.split('@')[-1].strip()}: {stages}")
    lines.extend(chat_overhead(results))
    lines.extend(encoder_comparison(results))
    return "\n".join(lines)


def chat_overhead(results: list[Result]) -> list[str]:
    """Per index, encoder and load shape: /v1/chat/completions against /v1/followups on the same server."""
    runs = {(r.where, r.pipeline): r for r in results}
    lines = []
    for (where, pipeline), chat in runs.items():
        followups = runs.get((where, pipeline.replace(CHAT, FOLLOWUPS)))
        if not pipeline.startswith(CHAT) or followups is None:
            continue
        shape = pipeline.split("@")[-1].strip()
        p50, base50 = chat.percentile(50), followups.percentile(50)
        p95, base95 = chat.percentile(95), followups.percentile(95)
        lines.append(
            f"chat overhead [{where}, {chat.clients} clients @ {shape}]: p50 {p50:.1f} vs {base50:.1f} ms "
            f"(+{p50 - base50:.1f} ms, x{p50 / base50:.2f}); p95 {p95:.1f} vs {base95:.1f} ms "
            f"(x{p95 / base95:.2f}); req/s {chat.rps:.1f} vs {followups.rps:.1f}; server CPU "
            f"{chat.cpu_ms_per_request:.2f} vs {followups.cpu_ms_per_request:.2f} ms/req"
        )
    return lines


def encoder_comparison(results: list[Result]) -> list[str]:
    """Per index, pipeline and load shape run with several encoders: the encoders side by side.

    `p50 vs torch` is the encoder's p50 divided by torch's on the same index, pipeline and load in this run.
    """
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        if r.encoder:
            groups.setdefault((r.index, r.pipeline), []).append(r)
    groups = {key: runs for key, runs in groups.items() if len(runs) > 1}
    if not groups:
        return []
    header = (
        f"{'index':<10} {'pipeline':<42} {'encoder':<7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} "
        f"{'CPU ms/req':>10} {'RSS MB':>7} {'p50 vs torch':>12}"
    )
    lines = ["", f"encoders side by side ({next(iter(groups.values()))[0].clients} clients):", header]
    lines.append("-" * len(header))
    for (index, pipeline), runs in groups.items():
        torch = next((r for r in runs if r.encoder == "torch"), None)
        for r in runs:
            ratio = f"x{r.percentile(50) / torch.percentile(50):.2f}" if torch and torch.latencies_ms else "-"
            lines.append(
                f"{index:<10} {pipeline:<42} {r.encoder:<7} {r.percentile(50):>8.1f} {r.percentile(95):>8.1f} "
                f"{r.rps:>7.1f} {r.cpu_ms_per_request:>10.2f} {r.rss_mb:>7.0f} {ratio:>12}"
            )
    return lines


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
    parser.add_argument(
        "--encoders", type=parse_encoders, help="comma list of torch, int8, fp32 (default: the configured encoder)"
    )
    parser.add_argument(
        "--data-dir", type=Path, action="append", default=[], help="another index, e.g. MedQuAD (DIR/<encoder> or DIR)"
    )
    parser.add_argument(
        "--corpus-data-dir", type=Path, help="index of corpus/ (default: the settings' data dir; <encoder>/ in it)"
    )
    parser.add_argument("--skip-corpus", action="store_true", help="only the --data-dir indexes")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain pipeline")
    parser.add_argument("--no-chat", action="store_true", help="skip /v1/chat/completions")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    return parser.parse_args(argv)


def indexes(args: argparse.Namespace) -> Iterator[tuple[str, dict[EncoderKind, Path]]]:
    """Each index's label and the data directory of each encoder's index (the corpus ingested when stale)."""
    configured = get_settings().embedding.encoder
    encoders: list[EncoderKind] = args.encoders or [configured]
    if not args.skip_corpus:
        own_dirs = encoders != [configured]
        yield "corpus", {encoder: corpus_data_dir(args, encoder, own_dirs) for encoder in encoders}
    for data_dir in args.data_dir:
        found: dict[EncoderKind, Path] = {}
        for encoder in encoders:
            directory = encoder_data_dir(data_dir, encoder)
            if directory is None:
                print(
                    f"skipping {encoder} on {data_dir}: no {encoder} index in it or in its {encoder}/", file=sys.stderr
                )
            else:
                found[encoder] = directory
        if found:
            yield ("medquad" if "medquad" in str(data_dir).lower() else data_dir.name), found


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[Result] = []
    for label, data_dirs in indexes(args):
        results.extend(bench_index(label, data_dirs, _requests_for(label), args))
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps([r.summary() for r in results], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
