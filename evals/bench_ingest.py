"""Ingest benchmark: the real pipeline with each encoder, against the cost of embedding alone, from one run.

    .venv/bin/python -m evals.bench_ingest [--encoders torch,int8] [--limit N] [--data-dir D] [--medquad DIR]
        [--corpus DIR] [--also DIR] [--floor-sample N] [--threads N]

    # e.g. the bundled corpus with all three encoders, the floor on 64 random passages, on one thread:
    .venv/bin/python -m evals.bench_ingest --corpus corpus --encoders torch,int8,fp32 --floor-sample 64

For each encoder of `--encoders` (a comma list of torch, int8 and fp32; default torch,int8) it builds an index
of MedQuAD (or of N documents spread evenly over its subsets; or of the articles in `--corpus DIR`, e.g. the
bundled corpus/; `--also DIR` adds a folder, e.g. corpus next to MedQuAD) with `run_ingest` and embedded
Chroma, each encoder in its own data directory: DIR/<encoder>/ with `--data-dir DIR` (kept for later use,
e.g. `evals.bench_service --data-dir DIR --encoders torch,int8`), a temporary one otherwise. Each encoder is
the one `vademecum ingest` embeds with (`ingest_embedder`, which writes the ONNX export into that data
directory first, untimed): torch with its default thread count, ONNX Runtime with the settings'
`embedding.threads` (VADEMECUM_EMBEDDING__THREADS, 0 = one per core). Each index is then ingested again
from the same inputs, which must find nothing changed.

In the same process it then measures each encoder's floor: one `embed_documents` call over exactly the
passages the pipeline embedded (or `--floor-sample` N random ones, the time scaled by tokens to all of them),
every encoder on the same texts with the same thread count (`--threads`, default 1; 0 = one per core).

It prints one table, one row per encoder: the ingest (threads, passages, seconds, passages/s and its ratio
to torch's passages/s) and the floor (the same figures). Targets: end-to-end within 1.3x of the floor
(checked only when the floor ran on the ingest's thread count, e.g. with --threads 0), and an unchanged
re-ingest under 10 s. torch's batch size comes from the settings (VADEMECUM_EMBEDDING__BATCH_SIZE).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals.bench_harness import parse_encoders
from ingest.embedding import (
    Embedder,
    EncoderKind,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    Vectors,
    export_dir,
    ingest_embedder,
)
from ingest.layout import DataDir
from ingest.loading import discover, load_inputs
from ingest.pipeline import IngestOptions, IngestReport, run_ingest
from ingest.settings import ChromaSettings, EmbeddingSettings, get_settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MEDQUAD = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared")) / "data" / "medquad"
FLOOR_RATIO_TARGET = 1.3
REINGEST_TARGET_SECONDS = 10.0
CORES = os.cpu_count() or 1


class TimedEmbedder:
    """Delegates to a real embedder and adds up the seconds spent embedding, and what was embedded."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts: list[str] = []

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def model_reference(self) -> str:
        return self.inner.model_reference

    @property
    def encoder(self) -> EncoderKind:
        return self.inner.encoder

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts.extend(texts)

    def embed_query(self, text: str) -> Vectors:
        return self.inner.embed_query(text)


@dataclass
class StageClock:
    """First and last time each pipeline stage reported progress, for a rough breakdown."""

    label: str = ""
    started: float = field(default_factory=time.perf_counter)
    stages: dict[str, list[float]] = field(default_factory=dict)

    reported: int = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - self.started
        self.stages.setdefault(stage, [now, now])[1] = now
        # A line every tenth of the embedding, so a long run can be followed in its log.
        tenth = 10 * done // max(total, 1)
        if stage == "embedding passages" and tenth > self.reported:
            self.reported = tenth
            print(f"  ... [{self.label}] {now:.0f} s: {stage} {done}/{total}", file=sys.stderr, flush=True)


@dataclass
class EncoderRun:
    """One encoder's figures: its full ingest (at its ingest threads) and its floor (at the floor's threads)."""

    kind: EncoderKind
    data_dir: DataDir
    ingest_threads: int = 0
    passages: int = 0
    ingest_s: float = 0.0
    floor_passages: int = 0
    floor_sample_s: float = 0.0
    # The floor over all the passages the pipeline embedded (measured, or scaled from the sample by tokens).
    floor_s: float = 0.0

    @property
    def ingest_rate(self) -> float:
        return self.passages / self.ingest_s if self.ingest_s else 0.0

    @property
    def floor_rate(self) -> float:
        return self.floor_passages / self.floor_sample_s if self.floor_sample_s else 0.0


def spread(files: list[Path], limit: int | None) -> list[Path]:
    """`limit` of the sorted files spread evenly over the list (so every MedQuAD subset is in), or all of them."""
    files = sorted(files)
    return files if limit is None or limit >= len(files) else [files[i * len(files) // limit] for i in range(limit)]


def input_files(args: argparse.Namespace) -> list[Path]:
    """The files to ingest: MedQuAD's XML files or the articles in --corpus (spread over --limit), and --also."""
    if args.corpus is not None:
        files = spread(list(discover([args.corpus])), args.limit)
    else:
        files = spread([p for p in args.medquad.rglob("*.xml") if p.is_file()], args.limit)
        if not files:
            raise SystemExit(f"bench_ingest: no MedQuAD XML files under {args.medquad}")
    files += discover(args.also)
    if not files:
        raise SystemExit("bench_ingest: no input files")
    return files


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def token_count(embedder: SentenceTransformerEmbedder, texts: Sequence[str], max_seq_length: int) -> tuple[int, int]:
    """Tokens the model reads (special tokens included, cut at max_seq_length), and how many texts were cut.

    Every encoder reads the same tokens: an ONNX export carries the model's own tokenizer.
    """
    tokenizer = embedder.model().tokenizer
    lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]]
    return sum(min(n, max_seq_length) for n in lengths), sum(1 for n in lengths if n > max_seq_length)


def ingest(
    files: list[Path], data_dir: DataDir, embedder: Embedder, *, rebuild: bool, label: str = ""
) -> tuple[IngestReport, float, StageClock]:
    clock = StageClock(label)
    started = time.perf_counter()
    chroma, options = ChromaSettings(mode="embedded"), IngestOptions(rebuild=rebuild)
    report = run_ingest(files, data_dir=data_dir, embedder=embedder, chroma=chroma, options=options, progress=clock)
    return report, time.perf_counter() - started, clock


def ingest_with(
    run: EncoderRun, files: list[Path], settings: EmbeddingSettings, reference: SentenceTransformerEmbedder
) -> list[str] | None:
    """The full ingest of `run`'s encoder, then the unchanged re-ingest; the passages it embedded (None: failed)."""
    label = run.kind
    started = time.perf_counter()
    if run.kind == "torch":
        embedder: Embedder = reference
    else:
        embedder = ingest_embedder(settings.model_copy(update={"encoder": run.kind}), run.data_dir)
        if embedder.encoder != run.kind:
            print(f"[{label}] the model cannot be exported: skipped", file=sys.stderr)
            return None
    embedder.embed_query("warm up")  # the model load (and the export) is not part of ingest
    print(f"[{label}] encoder ready in {time.perf_counter() - started:.1f} s ({run.ingest_threads} threads)")
    timed = TimedEmbedder(embedder)
    report, run.ingest_s, clock = ingest(files, run.data_dir, timed, rebuild=True, label=label)
    if not report.ok or report.version is None:
        print(f"bench_ingest: [{label}] the ingest failed: {report.not_written}", file=sys.stderr)
        for issue in report.rejected[:20]:
            print(f"  rejected: {issue}", file=sys.stderr)
        return None
    run.passages = report.passages_total
    others = len(timed.texts) - report.passages_embedded
    print(
        f"[{label}] ingest: {report.passages_total} passages ({report.passages_embedded} embedded, plus {others} "
        f"questions) in {run.ingest_s:.1f} s, {run.ingest_rate:.1f} passages/s; of which embedding "
        f"{timed.seconds:.1f} s, everything else {run.ingest_s - timed.seconds:.1f} s"
    )
    for stage, (first, last) in clock.stages.items():
        print(f"  stage {stage!r}: reported from {first:.1f} s to {last:.1f} s")
    reingest, rewall, _ = ingest(files, run.data_dir, embedder, rebuild=False, label=label)
    verdict = "OK" if rewall < REINGEST_TARGET_SECONDS else "ABOVE TARGET"
    print(
        f"[{label}] unchanged re-ingest: {rewall:.1f} s ({reingest.not_written or reingest.version}; "
        f"{len(reingest.unchanged)} unchanged; target < {REINGEST_TARGET_SECONDS:.0f} s: {verdict}); index "
        f"size on disk {disk_size(run.data_dir.version_dir(report.version)) / 2**20:.1f} MiB"
    )
    return timed.texts[: report.passages_embedded]  # passages are embedded first, then questions


def floor_embedder(
    run: EncoderRun, settings: EmbeddingSettings, reference: SentenceTransformerEmbedder, threads: int
) -> Embedder:
    """The encoder of `run` for the floor: torch's process-wide threads are set by the caller."""
    if run.kind == "torch":
        return reference
    directory = export_dir(run.data_dir, settings.model, settings.max_seq_length, run.kind)
    return OnnxEmbedder.load(directory, reference.model_reference, threads=threads)


def measure_floor(run: EncoderRun, embedder: Embedder, chosen: list[str], scale: float) -> None:
    """Seconds one embed_documents call takes over `chosen`; `scale` takes it to all the embedded passages."""
    embedder.embed_documents(chosen[:8])  # warm up: the first call allocates
    started = time.perf_counter()
    embedder.embed_documents(chosen)
    run.floor_sample_s = time.perf_counter() - started
    run.floor_passages = len(chosen)
    run.floor_s = run.floor_sample_s * scale


def _ratio(value: float, torch_value: float | None) -> str:
    return f"x{value / torch_value:.2f}" if torch_value else "-"


def table(runs: list[EncoderRun], floor_threads: int) -> str:
    """One row per encoder: ingest and floor, each with passages/s and its ratio to torch's."""
    torch_run = next((r for r in runs if r.kind == "torch"), None)
    header = (
        f"{'encoder':<8} | {'threads':>7} {'passages':>8} {'ingest s':>9} {'passages/s':>10} {'vs torch':>8} "
        f"| {'threads':>7} {'passages':>8} {'floor s':>8} {'passages/s':>10} {'vs torch':>8} | {'ingest/floor':>12}"
    )
    ingest_width, floor_width = (len(part) - 2 for part in header.split("|")[1:3])
    titles = f"{'':<8} | {'full ingest':<{ingest_width}} | {'floor (one embed_documents call)':<{floor_width}} |"
    lines = [titles, header, "-" * len(header)]
    for r in runs:
        same_threads = r.ingest_threads == floor_threads
        ratio = f"{r.ingest_s / r.floor_s:.2f}" if same_threads and r.floor_s else "-"
        lines.append(
            f"{r.kind:<8} | {r.ingest_threads:>7} {r.passages:>8} {r.ingest_s:>9.1f} {r.ingest_rate:>10.1f} "
            f"{_ratio(r.ingest_rate, torch_run.ingest_rate if torch_run else None):>8} "
            f"| {floor_threads:>7} {r.floor_passages:>8} {r.floor_sample_s:>8.2f} {r.floor_rate:>10.1f} "
            f"{_ratio(r.floor_rate, torch_run.floor_rate if torch_run else None):>8} | {ratio:>12}"
        )
    lines.append("vs torch: passages/s divided by torch's passages/s in this run (x2.00: twice as fast)")
    for r in runs:
        if r.ingest_threads != floor_threads:
            lines.append(
                f"{r.kind}: end-to-end / floor not checked (ingest on {r.ingest_threads} threads, floor on "
                f"{floor_threads}: use --threads {r.ingest_threads if r.ingest_threads != CORES else 0})"
            )
        elif r.floor_s:
            verdict = "OK" if r.ingest_s / r.floor_s <= FLOOR_RATIO_TARGET else "ABOVE TARGET"
            ratio = f"{r.ingest_s / r.floor_s:.2f}"
            lines.append(f"{r.kind}: end-to-end / floor {ratio} (target <= {FLOOR_RATIO_TARGET}: {verdict})")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--encoders",
        type=parse_encoders,
        default=["torch", "int8"],
        help="comma list of torch, int8, fp32 (default torch,int8)",
    )
    parser.add_argument("--limit", type=int, default=None, help="ingest N documents instead of all")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep each index in DIR/<encoder> (default: a temp dir)"
    )
    parser.add_argument("--medquad", type=Path, default=DEFAULT_MEDQUAD, help="the MedQuAD folder")
    parser.add_argument("--corpus", type=Path, default=None, help="ingest the articles in DIR instead of MedQuAD")
    parser.add_argument(
        "--also", type=Path, action="append", default=[], help="ingest the articles in DIR as well (repeatable)"
    )
    parser.add_argument(
        "--floor-sample",
        type=int,
        default=None,
        help="measure the floor on N random passages and scale it by tokens (default: embed all of them again)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads of every encoder for the floor (default 1; 0: one per core)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    args = parse_args(argv)
    settings = get_settings().embedding
    files = input_files(args)
    source = ", ".join(map(str, [args.corpus or f"MedQuAD {args.medquad}", *args.also]))
    temporary = args.data_dir is None
    root = Path(tempfile.mkdtemp(prefix="vademecum-bench-")) if temporary else args.data_dir
    torch_threads = torch.get_num_threads()
    onnx_threads = settings.threads or CORES
    floor_threads = args.threads or CORES
    print(
        f"inputs: {len(files)} files from {source}; data dirs {root}/<encoder>; "
        f"torch batch size {settings.batch_size}\nthreads: ingest: torch {torch_threads} (its default), ONNX "
        f"Runtime {onnx_threads} (embedding.threads = {settings.threads}, 0 = one per core); floor: every "
        f"encoder {floor_threads} (--threads {args.threads}); {CORES} cores"
    )

    reference = SentenceTransformerEmbedder.from_settings(settings)
    runs = [
        EncoderRun(kind, DataDir(root / kind), ingest_threads=torch_threads if kind == "torch" else onnx_threads)
        for kind in args.encoders
    ]
    done: list[EncoderRun] = []
    try:
        passages: list[str] | None = None
        for run in runs:
            embedded = ingest_with(run, files, settings, reference)
            if embedded is None:
                continue
            done.append(run)
            if passages is None:
                passages = embedded
            elif len(embedded) != len(passages):
                print(f"[{run.kind}] embedded {len(embedded)} passages, not {len(passages)}", file=sys.stderr)
        if passages is None:
            return 1

        inputs = load_inputs(files)
        tokens, truncated = token_count(reference, passages, settings.max_seq_length)
        print(
            f"documents: {len(files)} files, {len(inputs.articles)} articles, {len(inputs.skipped)} without "
            f"any answer (skipped), {inputs.skipped_pairs} unanswered QA pairs skipped, "
            f"{len(inputs.rejected)} rejected; {len(passages)} passages embedded, {tokens} tokens (model "
            f"tokenizer, {truncated} passages cut at {settings.max_seq_length})"
        )
        chosen, scale = passages, 1.0
        if args.floor_sample is not None and args.floor_sample < len(passages):
            # Embedding time is close to linear in tokens at a fixed batch size: a seeded sample, scaled by its
            # tokens, spares re-embedding all of MedQuAD with every encoder.
            chosen = random.Random(0).sample(passages, args.floor_sample)
            sample_tokens, _ = token_count(reference, chosen, settings.max_seq_length)
            scale = tokens / sample_tokens
            print(f"floor: {len(chosen)} random passages ({sample_tokens} tokens), scaled x{scale:.1f} by tokens")
        else:
            print(f"floor: all {len(chosen)} passages the pipeline embedded")
        torch.set_num_threads(floor_threads)
        for run in done:
            measure_floor(run, floor_embedder(run, settings, reference, args.threads), chosen, scale)
            print(f"[{run.kind}] floor: {run.floor_sample_s:.2f} s, all passages {run.floor_s:.1f} s", file=sys.stderr)
        print()
        print(table(done, floor_threads))
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if len(done) == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
