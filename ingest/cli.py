"""`vademecum ingest`: load article files into a new index version, with a progress bar and a summary.

`vademecum index status` shows the active version and those kept for rollback, checking every file of
each; `vademecum index rollback` makes the previous kept version active again.

Exit codes: 0 done; 1 articles rejected (or nothing to roll back); 2 another ingest holds the lock;
3 the index could not be written (disk full, read-only) or the active version is corrupt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ingest.embedding import Embedder, EncoderMismatchError, ingest_embedder
from ingest.injection import scan_article
from ingest.layout import (
    DataDir,
    IndexBusyError,
    IndexMissingError,
    IndexWriteError,
    NoPreviousVersionError,
    WriterLock,
)
from ingest.loading import load_inputs
from ingest.pipeline import IngestOptions, IngestReport, run_ingest
from ingest.settings import Settings, get_settings
from ingest.version import IndexCorruptError, verify_version

EXIT_OK, EXIT_REJECTED, EXIT_BUSY, EXIT_FAILED = 0, 1, 2, 3


def add_ingest_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "ingest",
        help="ingest article files or folders into the index",
        description="Load articles (.md native, .txt article page, .xml MedQuAD) into a new index version. "
        "Unchanged articles are not re-embedded; readers switch to the new version only when it is complete.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus folder)")
    parser.add_argument("--prune", action="store_true", help="remove indexed articles not present in PATHS")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="re-embed everything into a fresh version; also repairs a corrupt active version",
    )
    parser.add_argument("--strict", action="store_true", help="write nothing if any article is rejected")
    parser.add_argument("--check", action="store_true", help="only validate the files; write nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run_ingest_command)

    index = commands.add_parser("index", help="show the active index version, or roll back to the previous one")
    actions = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="print the active index version and the versions kept for rollback")
    status.set_defaults(run=run_status_command)
    rollback = actions.add_parser(
        "rollback",
        help="make the previous kept index version active again",
        description="Switch the active-version pointer back to the newest version kept for rollback.",
    )
    rollback.set_defaults(run=run_rollback_command)


def run_ingest_command(
    args: argparse.Namespace, settings: Settings | None = None, embedder: Embedder | None = None
) -> int:
    """`embedder` replaces the configured model (tests pass the session's, already loaded)."""
    settings = settings or get_settings()
    paths = list(args.paths) or [settings.corpus_dir]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"vademecum ingest: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return EXIT_REJECTED
    if args.check:
        return _check(paths)

    data_dir = DataDir(settings.data_dir)
    if embedder is None:
        try:
            # Under the writer lock, so an ingest that would be refused writes no export either.
            with WriterLock(data_dir):
                embedder = ingest_embedder(settings.embedding, data_dir)
        except IndexBusyError as error:
            print(f"vademecum ingest: {error}", file=sys.stderr)
            return EXIT_BUSY
        except (EncoderMismatchError, OSError, IndexWriteError) as error:
            # The export is written before anything else: a failure here leaves the index as it was.
            print(
                f"vademecum ingest: the {settings.embedding.encoder} encoder could not be prepared: {error}",
                file=sys.stderr,
            )
            return EXIT_FAILED
    options = IngestOptions(
        prune=args.prune, rebuild=args.rebuild, strict=args.strict, keep_previous=settings.index.keep_previous
    )
    with ProgressBar(enabled=not args.quiet) as bar:
        try:
            report = run_ingest(
                paths,
                data_dir=data_dir,
                embedder=embedder,
                chroma=settings.chroma,
                options=options,
                progress=bar.update,
            )
        except IndexBusyError as error:
            print(f"vademecum ingest: {error}", file=sys.stderr)
            return EXIT_BUSY
        except (IndexWriteError, IndexCorruptError) as error:
            # A full disk, a read-only data directory or a damaged active version: one clear line, no traceback.
            print(f"vademecum ingest: {error}", file=sys.stderr)
            return EXIT_FAILED
    print_report(report)
    return EXIT_OK if report.ok else EXIT_REJECTED


def _check(paths: list[Path]) -> int:
    inputs = load_inputs(paths)
    for issue in [*inputs.rejected, *inputs.duplicates]:
        print(f"rejected: {issue}")
    # A flag is a warning, not a rejection: the article is valid, but someone must correct its text.
    for flag in (flag for article in inputs.articles for flag in scan_article(article)):
        print(f"flagged: {flag}")
    print(
        f"{inputs.files} files: {len(inputs.articles)} valid, {len(inputs.rejected) + len(inputs.duplicates)} problems"
    )
    return EXIT_OK if not (inputs.rejected or inputs.duplicates) else EXIT_REJECTED


def print_report(report: IngestReport) -> None:
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for issue in report.rejected:
        print(f"rejected: {issue}", file=sys.stderr)
    print(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"removed {len(report.removed)}, rejected {len({i.path for i in report.rejected})} articles; "
        f"{report.passages_embedded} passages embedded, {report.passages_total} in the index; "
        f"{report.seconds:.1f} s"
    )
    if report.version:
        print(f"active index version: {report.version}")
    elif report.not_written:
        print(f"nothing written: {report.not_written}")


class ProgressBar:
    """A tqdm bar per stage on stderr; silent when disabled or when stderr is not a terminal-like stream."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bars: dict[str, Any] = {}

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self._bars.values():
            bar.close()

    def update(self, stage: str, done: int, total: int) -> None:
        if not self._enabled:
            return
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=stage, unit="passage", file=sys.stderr, leave=True)
        bar.total = total
        bar.n = done
        bar.refresh()


def run_status_command(args: argparse.Namespace, settings: Settings | None = None) -> int:
    data_dir = DataDir((settings or get_settings()).data_dir)
    pointer = data_dir.read_pointer()
    if pointer is None:
        print(f"vademecum index: no index in {data_dir.root}: run `vademecum ingest` first", file=sys.stderr)
        return EXIT_REJECTED
    active, intact = _describe(data_dir, pointer.version)
    print(f"active index version: {active}, since {pointer.switched_at}")
    for version in pointer.previous:
        print(f"kept for rollback: {_describe(data_dir, version)[0]}")
    if not intact:
        hint = "the active version is missing or damaged: run `vademecum ingest --rebuild`"
        print(f"vademecum index: {hint}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def run_rollback_command(args: argparse.Namespace, settings: Settings | None = None) -> int:
    data_dir = DataDir((settings or get_settings()).data_dir)
    try:
        # Under the writer lock, so a rollback never races an ingest's switch.
        with WriterLock(data_dir):
            before = data_dir.read_pointer()
            pointer = data_dir.rollback()
    except IndexBusyError as error:
        print(f"vademecum index rollback: {error}", file=sys.stderr)
        return EXIT_BUSY
    except IndexWriteError as error:
        print(f"vademecum index rollback: {error}", file=sys.stderr)
        return EXIT_FAILED
    except (IndexMissingError, NoPreviousVersionError) as error:
        print(f"vademecum index rollback: {error}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"rolled back from {before.version if before else '?'}")
    print(f"active index version: {_describe(data_dir, pointer.version)[0]}")
    print("note: running services switch to it within their reload interval (VADEMECUM_SERVICE__RELOAD_INTERVAL_S)")
    return EXIT_OK


def _describe(data_dir: DataDir, version: str) -> tuple[str, bool]:
    """A version's line for `index status`, and whether it is intact (every file checked, Chroma not opened)."""
    directory = data_dir.version_dir(version)
    if not directory.is_dir():
        return f"{version} (missing)", False
    try:
        manifest = verify_version(directory)
    except IndexCorruptError as error:
        return f"{version} CORRUPT ({error.file}: {error.reason})", False
    summary = f"{len(manifest.articles)} articles, {manifest.passage_count} passages, {manifest.model_name}"
    return f"{version} ({summary})", True
