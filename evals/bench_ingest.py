"""Ingest benchmark: MedQuAD through the real pipeline, against the cost of embedding alone.

    .venv/bin/python -m evals.bench_ingest [--limit N] [--data-dir D] [--medquad DIR]

Builds an index of MedQuAD (or N documents spread evenly over its subsets) with `run_ingest`, the real
SentenceTransformerEmbedder and embedded Chroma, in a temporary data directory unless --data-dir is given
(then the index is kept for later use). In the same process it then measures the floor: one
`embed_documents` call over exactly the texts the pipeline embedded. Finally it ingests the same inputs
again, which must find nothing changed. Targets: end-to-end within 1.3x of the floor, and an unchanged
re-ingest under 10 s. The embedding batch size comes from the settings (VADEMECUM_EMBEDDING__BATCH_SIZE).
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

from ingest.embedding import Embedder, SentenceTransformerEmbedder, Vectors
from ingest.layout import DataDir
from ingest.loading import load_inputs
from ingest.pipeline import IngestOptions, IngestReport, run_ingest
from ingest.settings import ChromaSettings, get_settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MEDQUAD = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared")) / "data" / "medquad"
FLOOR_RATIO_TARGET = 1.3
REINGEST_TARGET_SECONDS = 10.0


class TimedEmbedder:
    """Delegates to a real embedder and adds up the seconds spent embedding, and what was embedded."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts: list[str] = []

    @property
    def model_name(self) -> str:
        return self.inner.model_name

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
            print(f"  ... {now:.0f} s: {stage} {done}/{total}", file=sys.stderr, flush=True)


def medquad_files(directory: Path, limit: int | None) -> list[Path]:
    """All MedQuAD XML files, or `limit` of them spread evenly over the sorted list (so every subset is in)."""
    files = sorted(p for p in directory.rglob("*.xml") if p.is_file())
    if not files:
        raise SystemExit(f"bench_ingest: no MedQuAD XML files under {directory}")
    if limit is None or limit >= len(files):
        return files
    return [files[i * len(files) // limit] for i in range(limit)]


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def token_count(embedder: SentenceTransformerEmbedder, texts: Sequence[str], max_seq_length: int) -> tuple[int, int]:
    """Tokens the model reads (special tokens included, cut at max_seq_length), and how many texts were cut."""
    tokenizer = embedder._load().tokenizer  # the loaded model's own tokenizer (no public accessor)
    lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]]
    return sum(min(n, max_seq_length) for n in lengths), sum(1 for n in lengths if n > max_seq_length)


def measure_floor(
    model: SentenceTransformerEmbedder, passages: list[str], tokens: int, max_seq_length: int, sample: int | None
) -> float:
    """Seconds one embed_documents call takes over the passages the pipeline embedded.

    With `sample`, a seeded random sample is embedded and its time scaled by tokens: embedding time is close to
    linear in tokens at a fixed batch size, and re-embedding all of MedQuAD would double the benchmark's length.
    """
    chosen = passages
    if sample is not None and sample < len(passages):
        chosen = random.Random(0).sample(passages, sample)
    started = time.perf_counter()
    model.embed_documents(chosen)
    seconds = time.perf_counter() - started
    if chosen is passages:
        print(f"embedding floor (one embed_documents call, same {len(passages)} passages): {seconds:.1f} s")
        return seconds
    sample_tokens, _ = token_count(model, chosen, max_seq_length)
    floor = seconds * tokens / sample_tokens
    print(
        f"embedding floor: {len(chosen)} random passages ({sample_tokens} tokens) in {seconds:.1f} s, "
        f"scaled to all {len(passages)} passages ({tokens} tokens): {floor:.1f} s, "
        f"{len(passages) / floor:.1f} passages/s"
    )
    return floor


def ingest(
    files: list[Path], data_dir: DataDir, embedder: Embedder, *, rebuild: bool
) -> tuple[IngestReport, float, StageClock]:
    clock = StageClock()
    started = time.perf_counter()
    report = run_ingest(
        files,
        data_dir=data_dir,
        embedder=embedder,
        chroma=ChromaSettings(mode="embedded"),
        options=IngestOptions(rebuild=rebuild),
        progress=clock,
    )
    return report, time.perf_counter() - started, clock


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="ingest N documents instead of all")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the index here (default: a temp dir)")
    parser.add_argument("--medquad", type=Path, default=DEFAULT_MEDQUAD, help="the MedQuAD folder")
    parser.add_argument(
        "--floor-sample",
        type=int,
        default=None,
        help="measure the floor on N random passages and scale it by tokens (default: embed all of them again)",
    )
    args = parser.parse_args(argv)

    settings = get_settings().embedding
    files = medquad_files(args.medquad, args.limit)
    temporary = args.data_dir is None
    root = Path(tempfile.mkdtemp(prefix="vademecum-bench-")) if temporary else args.data_dir
    data_dir = DataDir(root)
    print(f"MedQuAD: {len(files)} files from {args.medquad}; data dir {root}; batch size {settings.batch_size}")

    model = SentenceTransformerEmbedder.from_settings(settings)
    started = time.perf_counter()
    model.embed_query("warm up")  # the model load is not part of ingest
    print(f"model loaded in {time.perf_counter() - started:.1f} s")
    try:
        timed = TimedEmbedder(model)
        report, wall, clock = ingest(files, data_dir, timed, rebuild=True)
        if not report.ok or report.version is None:
            print(f"bench_ingest: the ingest failed: {report.not_written}", file=sys.stderr)
            for issue in report.rejected[:20]:
                print(f"  rejected: {issue}", file=sys.stderr)
            return 1

        inputs = load_inputs(files)
        passages = timed.texts[: report.passages_embedded]  # passages are embedded first, then questions
        tokens, truncated = token_count(model, passages, settings.max_seq_length)
        # Printed before the floor is measured, so a long run that dies later still leaves these figures.
        print(
            f"documents: {len(files)} files, {len(inputs.articles)} articles, {len(inputs.skipped)} without "
            f"any answer (skipped), {inputs.skipped_pairs} unanswered QA pairs skipped, "
            f"{len(inputs.rejected)} rejected"
        )
        others = len(timed.texts) - report.passages_embedded
        print(f"passages: {report.passages_total} ({report.passages_embedded} embedded, plus {others} questions)")
        print(f"tokens: {tokens} (model tokenizer, {truncated} passages cut at {settings.max_seq_length})")
        print(f"ingest wall time: {wall:.1f} s, {report.passages_total / wall:.1f} passages/s")
        print(
            f"  of which embedding (passages and questions): {timed.seconds:.1f} s; "
            f"everything else: {wall - timed.seconds:.1f} s"
        )
        for stage, (first, last) in clock.stages.items():
            print(f"  stage {stage!r}: reported from {first:.1f} s to {last:.1f} s")

        floor = measure_floor(model, passages, tokens, settings.max_seq_length, args.floor_sample)
        ratio = wall / floor
        verdict = "OK" if ratio <= FLOOR_RATIO_TARGET else "ABOVE TARGET"
        print(f"ratio end-to-end / floor: {ratio:.2f} (target <= {FLOOR_RATIO_TARGET}: {verdict})")

        reingest, rewall, _ = ingest(files, data_dir, model, rebuild=False)
        verdict = "OK" if rewall < REINGEST_TARGET_SECONDS else "ABOVE TARGET"
        print(
            f"unchanged re-ingest: {rewall:.1f} s ({reingest.not_written or reingest.version}; "
            f"{len(reingest.unchanged)} unchanged; target < {REINGEST_TARGET_SECONDS:.0f} s: {verdict})"
        )
        size = disk_size(data_dir.version_dir(report.version))
        print(f"index size on disk: {size / 2**20:.1f} MiB (version {report.version})")
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
