"""Ingest benchmark: MedQuAD through the real pipeline, per encoder, against the cost of embedding alone.

    .venv/bin/python -m evals.bench_ingest [--limit N] [--data-dir D] [--medquad DIR] [--encoders torch,int8]

For each encoder of `--encoders` (torch: sentence-transformers; fp32, int8: the ONNX export of that precision,
exported and verified first, the time reported apart) it builds an index of MedQuAD (or N documents spread
evenly over its subsets) with `run_ingest` and embedded Chroma, in its own data directory under a temporary
folder unless --data-dir is given (then the indexes are kept). In the same process it then measures each
encoder's floor: one `embed_documents` call over the same passages, and how close its vectors are to the
first encoder's. Finally it ingests the same inputs again, which must find nothing changed. Targets:
end-to-end within 1.3x of the floor, an unchanged re-ingest under 10 s, and int8 passages at 2.5x torch's.
A table puts the encoders side by side. Batch size and threads come from the settings (VADEMECUM_EMBEDDING__*).
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

import numpy as np
from tokenizers import Tokenizer

from ingest.embedding import Embedder, EncoderIdentity, SentenceTransformerEmbedder, Vectors
from ingest.embedding.base import resolve_model, sequence_length
from ingest.embedding.encoders import ingest_embedder
from ingest.layout import DataDir
from ingest.loading import load_inputs
from ingest.pipeline import IngestOptions, IngestReport, run_ingest
from ingest.settings import ChromaSettings, EmbeddingSettings, get_settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MEDQUAD = Path(os.environ.get("VADEMECUM_SHARED_DIR", REPO.parent / "shared")) / "data" / "medquad"
FLOOR_RATIO_TARGET = 1.3
REINGEST_TARGET_SECONDS = 10.0
SPEEDUP_TARGET = 2.5
ENCODERS = ("torch", "fp32", "int8")


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
    def encoder(self) -> EncoderIdentity:
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


def token_count(model: str, texts: Sequence[str], max_seq_length: int) -> tuple[int, int]:
    """Tokens the model reads (special tokens included, cut at max_seq_length), and how many texts were cut."""
    tokenizer = Tokenizer.from_file(str(Path(resolve_model(model)) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    lengths = [len(encoding.ids) for encoding in tokenizer.encode_batch(list(texts))]
    return sum(min(n, max_seq_length) for n in lengths), sum(1 for n in lengths if n > max_seq_length)


@dataclass
class Floor:
    seconds: float
    passages_per_second: float
    vectors: Vectors


def measure_floor(
    model: Embedder, label: str, passages: list[str], tokens: int, sample: list[str], max_seq_length: int
) -> Floor:
    """Seconds one embed_documents call takes over the passages the pipeline embedded.

    With a sample shorter than the passages, its time is scaled by tokens: embedding time is close to linear in
    tokens at a fixed batch size, and re-embedding all of MedQuAD once per encoder would double the run.
    """
    started = time.perf_counter()
    vectors = model.embed_documents(sample)
    seconds = time.perf_counter() - started
    if len(sample) == len(passages):
        print(f"{label} embedding floor (one embed_documents call, same {len(passages)} passages): {seconds:.1f} s")
        return Floor(seconds, len(passages) / seconds, vectors)
    sample_tokens, _ = token_count(model.model_reference, sample, max_seq_length)
    floor = seconds * tokens / sample_tokens
    print(
        f"{label} embedding floor: {len(sample)} random passages ({sample_tokens} tokens) in {seconds:.1f} s, "
        f"scaled to all {len(passages)} passages ({tokens} tokens): {floor:.1f} s, "
        f"{len(passages) / floor:.1f} passages/s"
    )
    return Floor(floor, len(passages) / floor, vectors)


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


@dataclass
class EncoderRun:
    label: str
    embedder: Embedder
    export_seconds: float
    wall: float = 0.0
    floor: Floor | None = None


def make_encoder(
    label: str, settings: EmbeddingSettings, data_dir: DataDir, reference: SentenceTransformerEmbedder
) -> EncoderRun:
    """`torch`: the reference itself; `fp32`/`int8`: its ONNX export into `data_dir` (timed: once per model)."""
    if label == "torch":
        return EncoderRun(label, reference, 0.0)
    started = time.perf_counter()
    embedder = ingest_embedder(data_dir, settings.model_copy(update={"backend": "onnx", "precision": label}), reference)
    return EncoderRun(label, embedder, time.perf_counter() - started)


def ingest_once(run: EncoderRun, files: list[Path], data_dir: DataDir) -> tuple[IngestReport, TimedEmbedder]:
    timed = TimedEmbedder(run.embedder)
    report, run.wall, clock = ingest(files, data_dir, timed, rebuild=True)
    if not report.ok or report.version is None:
        for issue in report.rejected[:20]:
            print(f"  rejected: {issue}", file=sys.stderr)
        raise SystemExit(f"bench_ingest: the {run.label} ingest failed: {report.not_written}")
    print(f"[{run.label}] ingest wall time: {run.wall:.1f} s, {report.passages_total / run.wall:.1f} passages/s")
    print(
        f"  of which embedding (passages and questions): {timed.seconds:.1f} s; else {run.wall - timed.seconds:.1f} s"
    )
    for stage, (first, last) in clock.stages.items():
        print(f"  stage {stage!r}: reported from {first:.1f} s to {last:.1f} s")
    return report, timed


def side_by_side(runs: list[EncoderRun]) -> None:
    base = runs[0]
    assert base.floor is not None
    print(
        f"\n{'encoder':<8} {'export s':>9} {'ingest s':>9} {'floor s':>8} {'passages/s':>11} {'x ' + base.label:>9}"
        f" {'cos min':>8} {'cos p1':>7} {'cos mean':>9}"
    )
    for run in runs:
        assert run.floor is not None
        cosines = np.sum(run.floor.vectors * base.floor.vectors, axis=1)
        speedup = base.floor.seconds / run.floor.seconds
        print(
            f"{run.label:<8} {run.export_seconds:>9.1f} {run.wall:>9.1f} {run.floor.seconds:>8.1f} "
            f"{run.floor.passages_per_second:>11.1f} {speedup:>9.2f} {cosines.min():>8.4f} "
            f"{np.percentile(cosines, 1):>7.4f} {cosines.mean():>9.4f}"
        )
    for run in runs:
        if run.label == "int8" and base.label == "torch" and run.floor is not None:
            verdict = "OK" if base.floor.seconds / run.floor.seconds >= SPEEDUP_TARGET else "BELOW TARGET"
            print(f"int8 floor speed-up over torch: target >= {SPEEDUP_TARGET}x: {verdict}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="ingest N documents instead of all")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the indexes here (default: a temp dir)")
    parser.add_argument("--medquad", type=Path, default=DEFAULT_MEDQUAD, help="the MedQuAD folder")
    parser.add_argument(
        "--encoders",
        default="torch,int8",
        help=f"comma-separated, first is the baseline: {', '.join(ENCODERS)} (default torch,int8)",
    )
    parser.add_argument(
        "--floor-sample",
        type=int,
        default=None,
        help="measure the floor on N random passages and scale it by tokens (default: embed all of them again)",
    )
    args = parser.parse_args(argv)
    labels = [label.strip() for label in args.encoders.split(",") if label.strip()]
    if not labels or any(label not in ENCODERS for label in labels):
        parser.error(f"--encoders: expected names among {', '.join(ENCODERS)}")

    settings = get_settings().embedding
    max_seq_length = sequence_length(resolve_model(settings.model), settings.max_seq_length) or 256
    files = medquad_files(args.medquad, args.limit)
    temporary = args.data_dir is None
    root = Path(tempfile.mkdtemp(prefix="vademecum-bench-")) if temporary else args.data_dir
    print(f"MedQuAD: {len(files)} files from {args.medquad}; data dirs under {root}; batch size {settings.batch_size}")

    reference = SentenceTransformerEmbedder(
        settings.model, batch_size=settings.batch_size, max_seq_length=settings.max_seq_length
    )
    started = time.perf_counter()
    reference.embed_query("warm up")  # the model load is not part of ingest
    print(f"sentence-transformers model loaded in {time.perf_counter() - started:.1f} s")
    try:
        runs = [make_encoder(label, settings, DataDir(root / label), reference) for label in labels]
        for run in runs[1:] if runs[0].label == "torch" else runs:
            print(f"[{run.label}] ONNX export (and check against sentence-transformers): {run.export_seconds:.1f} s")
        results = [ingest_once(run, files, DataDir(root / run.label)) for run in runs]
        report, timed = results[0]

        inputs = load_inputs(files)
        passages = timed.texts[: report.passages_embedded]  # passages are embedded first, then questions
        tokens, truncated = token_count(settings.model, passages, max_seq_length)
        # Printed before the floors are measured, so a long run that dies later still leaves these figures.
        print(
            f"documents: {len(files)} files, {len(inputs.articles)} articles, {len(inputs.skipped)} without "
            f"any answer (skipped), {inputs.skipped_pairs} unanswered QA pairs skipped, "
            f"{len(inputs.rejected)} rejected"
        )
        others = len(timed.texts) - report.passages_embedded
        print(f"passages: {report.passages_total} ({report.passages_embedded} embedded, plus {others} questions)")
        print(f"tokens: {tokens} (model tokenizer, {truncated} passages cut at {max_seq_length})")

        sample = passages
        if args.floor_sample is not None and args.floor_sample < len(passages):
            sample = random.Random(0).sample(passages, args.floor_sample)
        for run in runs:
            run.floor = measure_floor(run.embedder, run.label, passages, tokens, sample, max_seq_length)
            ratio = run.wall / run.floor.seconds
            verdict = "OK" if ratio <= FLOOR_RATIO_TARGET else "ABOVE TARGET"
            print(f"[{run.label}] ratio end-to-end / floor: {ratio:.2f} (target <= {FLOOR_RATIO_TARGET}: {verdict})")

        for run, (built, _) in zip(runs, results, strict=True):
            data_dir = DataDir(root / run.label)
            reingest, rewall, _ = ingest(files, data_dir, run.embedder, rebuild=False)
            verdict = "OK" if rewall < REINGEST_TARGET_SECONDS else "ABOVE TARGET"
            print(
                f"[{run.label}] unchanged re-ingest: {rewall:.1f} s ({reingest.not_written or reingest.version}; "
                f"{len(reingest.unchanged)} unchanged; target < {REINGEST_TARGET_SECONDS:.0f} s: {verdict})"
            )
            size = disk_size(data_dir.version_dir(str(built.version)))
            print(f"[{run.label}] index size on disk: {size / 2**20:.1f} MiB (version {built.version})")
        side_by_side(runs)
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
