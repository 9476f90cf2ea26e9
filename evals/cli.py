"""`vademecum eval`: run datasets through the product (and baselines), report, compare runs, calibrate the judge.

    vademecum eval DATASET... [--against URL] [--out DIR] [--baseline bm25|dense] [--limit N] [--gate FILE]
    vademecum eval compare A B            differences between two runs' summaries; exit 1 on a regression
    vademecum eval calibrate-judge [CSV]  choose the judge's thresholds against physicians' labels

DATASET is a path (golden JSONL, K-QA JSONL, or a BEIR folder with queries.jsonl + qrels.tsv) or an
alias: golden, kqa, liveqa, devset, devset-tune, devset-test. `+retyped` after any of them (`devset-test+retyped`)
puts each question as typed in a hurry: seeded slips of the keys, no capitals (evals/typing_noise.py).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evals.models import RunInfo, Summary

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ACTIONS = ("compare", "calibrate-judge")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "eval",
        help="evaluate answers and retrieval on datasets; compare runs; calibrate the judge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="vademecum eval DATASET... [options] | compare A B | calibrate-judge [CSV]",
    )
    parser.add_argument("datasets", nargs="+", metavar="DATASET", help="datasets, or compare / calibrate-judge")
    parser.add_argument("--against", metavar="URL", help="a running server (default: in-process over the index)")
    parser.add_argument(
        "--out", type=Path, default=Path("reports/eval"), metavar="DIR", help="output folder (default reports/eval)"
    )
    parser.add_argument(
        "--baseline", action="append", choices=["bm25", "dense"], default=[], help="also run a baseline (repeatable)"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="at most N cases per dataset, spread evenly over it")
    parser.add_argument("--gate", type=Path, metavar="FILE", help="thresholds file; exit 1 when a gate fails")
    parser.add_argument("--fresh", action="store_true", help="discard earlier results in --out instead of resuming")
    parser.add_argument("--judge", default="embedding", help="'embedding' or package.module:factory")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--folds", type=int, default=5, metavar="K", help="calibrate-judge: cross-validation folds")
    parser.add_argument("--no-save", action="store_true", help="calibrate-judge: do not write the thresholds")
    parser.add_argument("--all", action="store_true", help="compare: show unchanged metrics too")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    first = args.datasets[0]
    try:
        if first == "compare":
            return run_compare(args)
        if first == "calibrate-judge":
            return run_calibration(args)
        return run_eval_command(args)
    except KeyboardInterrupt:
        print(f"\nvademecum eval: interrupted; run the same command to resume from {args.out}", file=sys.stderr)
        return EXIT_INTERRUPTED


def run_compare(args: argparse.Namespace) -> int:
    from evals.compare import compare, flipped_cases, format_changes, load_summary

    if len(args.datasets) != 3:
        print("vademecum eval compare: expected two runs: compare A B", file=sys.stderr)
        return EXIT_USAGE
    first, second = (Path(p) for p in args.datasets[1:])
    changes = compare(load_summary(first), load_summary(second))
    print(format_changes(changes, flipped_cases(first, second), show_all=args.all))
    return EXIT_FAILED if any(c.regression for c in changes) else EXIT_OK


def run_calibration(args: argparse.Namespace) -> int:
    from evals.calibration import calibrate, default_csv, format_report, read_pairs, write_calibration
    from evals.judge import THRESHOLDS_FILE, EmbeddingJudge, Thresholds

    if len(args.datasets) > 2:
        print("vademecum eval calibrate-judge: expected at most one CSV", file=sys.stderr)
        return EXIT_USAGE
    source = Path(args.datasets[1]) if len(args.datasets) == 2 else default_csv()
    if not source.is_file():
        print(f"vademecum eval calibrate-judge: no such file {source}", file=sys.stderr)
        return EXIT_USAGE
    judge = EmbeddingJudge(_judge_embedder(), Thresholds())
    report = calibrate(judge, read_pairs(source), k=args.folds)
    print(format_report(report))
    if not args.no_save:
        write_calibration(report, judge.name, source)
        print(f"thresholds written to {THRESHOLDS_FILE}")
    return EXIT_OK


def run_eval_command(args: argparse.Namespace) -> int:
    import httpx

    from evals.datasets import DatasetError, load_dataset
    from evals.judge import CachedEmbedder, EmbeddingJudge, load_judge
    from ingest.embedding import EncoderUnavailableError
    from ingest.layout import IndexMissingError
    from service.retrieval.index import IndexMismatchError

    try:
        datasets = [load_dataset(spec) for spec in args.datasets]
    except DatasetError as error:
        for issue in error.issues:
            print(f"vademecum eval: {issue}", file=sys.stderr)
        return EXIT_USAGE
    judge_embedder = _judge_embedder()
    judge = load_judge(args.judge, judge_embedder)
    vectors = judge.vectors if isinstance(judge, EmbeddingJudge) else CachedEmbedder(judge_embedder)
    try:
        with _systems(args) as systems:
            return _run(args, datasets, systems, judge, vectors)
    # EncoderMissingError (no export of the configured encoder) is a RuntimeError.
    except (IndexMissingError, IndexMismatchError, EncoderUnavailableError, httpx.HTTPError, RuntimeError) as error:
        print(f"vademecum eval: {error}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace, datasets: list[Any], systems: list[Any], judge: Any, vectors: Any) -> int:
    from evals.gate import check_gate
    from evals.report import write_reports
    from evals.runner import RunMismatchError, run_eval
    from evals.scoring import Scorer
    from evals.summary import summarize

    info = RunInfo(
        index_version=systems[0].index_version(),
        target=args.against or "in-process",
        systems=[s.name for s in systems],
        judge=judge.name,
        datasets=[d.name for d in datasets],
    )
    try:
        results = run_eval(
            datasets,
            systems,
            Scorer(judge, vectors),
            args.out,
            info,
            limit=args.limit,
            fresh=args.fresh,
            progress=not args.quiet,
        )
    except RunMismatchError as error:
        print(f"vademecum eval: {error}", file=sys.stderr)
        return EXIT_USAGE
    summary = summarize(info, datasets, results)
    write_reports(summary, results, args.out)
    print(format_summary(summary))
    print(f"\nreport: {args.out / 'report.md'}")
    if args.gate:
        failures = check_gate(summary, args.gate)
        for failure in failures:
            print(f"GATE FAILED {failure}", file=sys.stderr)
        if failures:
            return EXIT_FAILED
        print(f"gate {args.gate}: passed")
    return EXIT_OK


def _judge_embedder() -> Any:
    """The judge compares texts with the reference model itself, whatever encoder the index was built with,
    so its thresholds (evals/judge_thresholds.json) mean the same for every build under evaluation."""
    from ingest.embedding import SentenceTransformerEmbedder
    from ingest.settings import get_settings

    return SentenceTransformerEmbedder.from_settings(get_settings().embedding)


@contextlib.contextmanager
def _systems(args: argparse.Namespace) -> Iterator[list[Any]]:
    """The product (in-process or over HTTP) and the baselines (always in-process, over the local index).

    In process, questions are embedded as a serving process embeds them: the configured encoder's export.
    """
    import httpx

    from evals.systems import HttpSystem, InProcessSystem
    from ingest.embedding import serving_embedder
    from ingest.layout import DataDir
    from ingest.settings import get_settings
    from service.retrieval.index import open_index
    from service.retrieval.retriever import Mode, RetrievalConfig

    settings = get_settings()
    index = None
    client = None
    try:
        if args.baseline or not args.against:
            embedder = serving_embedder(
                DataDir(settings.data_dir), settings.embedding, settings.service.encoder_threads
            )
            index = open_index(DataDir(settings.data_dir), embedder, settings.chroma)
        systems: list[Any] = []
        if args.against:
            client = httpx.Client(base_url=args.against, timeout=120.0)
            systems.append(HttpSystem(client))
        else:
            assert index is not None
            config = RetrievalConfig(learned_ranking=settings.service.learned_ranking)
            systems.append(InProcessSystem("product", index, embedder, Mode.HYBRID, config=config))
        for name in dict.fromkeys(args.baseline):
            assert index is not None
            systems.append(InProcessSystem(name, index, embedder, Mode(name)))
        if index is not None and args.against and systems[0].index_version() != index.version:
            print(
                f"vademecum eval: warning: the server serves index {systems[0].index_version()}, the baselines run "
                f"over the local index {index.version}",
                file=sys.stderr,
            )
        yield systems
    finally:
        if client is not None:
            client.close()
        if index is not None:
            index.close()


def format_summary(summary: Summary) -> str:
    from evals.report import LABELS

    lines: list[str] = []
    for dataset in summary.datasets:
        systems = list(dataset.systems)
        lines += ["", f"{dataset.name} ({dataset.kind.value}, {dataset.cases} cases)"]
        lines.append(f"  {'metric':<40}" + "".join(f"{s:>10}" for s in systems))
        for name, label in LABELS.items():
            values = [dataset.systems[s].metrics.get(name) for s in systems]
            if all(v is None for v in values):
                continue
            lines.append(f"  {label:<40}" + "".join(f"{_fmt(v):>10}" for v in values))
        for system in systems:
            for status, scores in dataset.systems[system].behaviour.items():
                lines.append(
                    f"  {system} {status}: precision {_fmt(scores.precision)} recall {_fmt(scores.recall)} "
                    f"({scores.predicted} predicted, {scores.expected} expected)"
                )
    return "\n".join(lines).lstrip("\n")


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if abs(value) >= 100 else f"{value:.3f}"
