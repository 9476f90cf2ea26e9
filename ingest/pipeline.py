"""One ingest run: load inputs, compare with the active version, build a new version, switch to it.

The run holds the writer lock throughout. It builds into `versions/.build-<v>/` and only a finished
build is renamed into place and named by the pointer, so killing it at any point changes nothing that
readers see; the next run deletes the leftovers and starts again. A build that fails (disk full, I/O
error, Chroma refusing a write) is removed at once and reported as IndexWriteError.

A corrupt active version stops a normal run with IndexCorruptError; `--rebuild` reads nothing of it but
its article list, and builds from PATHS alone (with a warning) when even that is unreadable.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from chromadb.errors import ChromaError

from ingest.chunking import CHUNKER_VERSION
from ingest.embedding import Embedder
from ingest.injection import InjectionFlag, scan_article
from ingest.layout import DataDir, IndexWriteError, WriterLock, new_version_id
from ingest.loading import LoadedInputs, load_inputs
from ingest.models import Article, ValidationIssue
from ingest.settings import ChromaSettings
from ingest.version import (
    SECTION_EMBEDDINGS,
    IndexCorruptError,
    Manifest,
    read_articles,
    read_manifest,
    verify_version,
)
from ingest.version_builder import PreviousIndex, VersionBuilder, drop_collections

Progress = Callable[[str, int, int], None]
NO_ARTICLES_LEFT = "the new version would hold no articles"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: list[ValidationIssue] = field(default_factory=list)
    passages_embedded: int = 0
    passages_total: int = 0
    seconds: float = 0.0
    version: str | None = None
    # Why nothing was written, when nothing was (strict mode, duplicate ids, no changes).
    not_written: str | None = None
    # Problems the run worked around (a corrupt version replaced by --rebuild, a cleanup left for later).
    warnings: list[str] = field(default_factory=list)
    # Article text that reads as an instruction to the system (also one warning each): indexed as text, never obeyed.
    flagged: list[InjectionFlag] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and self.not_written in (None, "no changes")


@dataclass
class IngestOptions:
    prune: bool = False
    rebuild: bool = False
    strict: bool = False
    keep_previous: int = 1
    # Article ids to leave out of the new version (the admin DELETE); unknown ids are ignored.
    remove: frozenset[str] = frozenset()


def run_ingest(
    paths: Sequence[Path],
    *,
    data_dir: DataDir,
    embedder: Embedder,
    chroma: ChromaSettings,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> IngestReport:
    options = options or IngestOptions()
    started = clock()
    report = IngestReport()
    with WriterLock(data_dir):
        _remove_stale(data_dir, chroma, report)
        _ingest_locked(paths, data_dir, embedder, chroma, options, progress, report)
    report.seconds = clock() - started
    return report


def _ingest_locked(
    paths: Sequence[Path],
    data_dir: DataDir,
    embedder: Embedder,
    chroma: ChromaSettings,
    options: IngestOptions,
    progress: Progress | None,
    report: IngestReport,
) -> None:
    inputs = load_inputs(paths)
    report.rejected = list(inputs.rejected)
    # Before any early return, so a refused run still names the articles an operator must correct.
    report.flagged = [flag for article in inputs.articles for flag in scan_article(article)]
    report.warnings.extend(str(flag) for flag in report.flagged)
    if inputs.duplicates:
        report.rejected.extend(inputs.duplicates)
        report.not_written = "duplicate article ids"
        return
    if options.strict and inputs.rejected:
        report.not_written = "--strict and some articles were rejected"
        return

    # The article set always carries over from the active version; only its vectors depend on the model,
    # the encoder and --rebuild. (Starting from no articles there silently dropped every indexed article
    # missing from PATHS, and reported unchanged ones as added.)
    active = _active_index(data_dir, options.rebuild, report)
    previous = None
    if active and active.manifest and not options.rebuild:
        reason = _not_reusable(active.manifest, embedder)
        if reason is None:
            previous = PreviousIndex(directory=active.directory, manifest=active.manifest, articles=active.articles)
        else:
            report.warnings.append(f"{reason}: re-embedding every article")
    articles = _merge(active.articles if active else {}, inputs, options.prune, report)
    for article_id in sorted(options.remove & articles.keys()):
        del articles[article_id]
        report.removed.append(article_id)
    report.passages_total = active.manifest.passage_count if active and active.manifest else 0
    # Same articles, but another kind of store (an embedded data directory moved to a Chroma server): the
    # version is rewritten into the configured store, reusing every vector.
    stored_in = active.manifest.chroma_mode if active and active.manifest else chroma.mode
    moved = stored_in != chroma.mode
    if moved:
        report.warnings.append(f"the active version is stored in {stored_in} Chroma: rewriting it into {chroma.mode}")
    # A version written before section vectors existed is rewritten once, reusing every passage vector.
    lacks_sections = bool(active and active.manifest and not (active.directory / SECTION_EMBEDDINGS).exists())
    if lacks_sections:
        report.warnings.append("the active version has no section vectors: rewriting it with them")
    # A version cut by another chunker is rewritten once by this one, reusing the vector of every unchanged text.
    rechunked = bool(active and active.manifest and active.manifest.chunker_version != CHUNKER_VERSION)
    if rechunked and active and active.manifest:
        report.warnings.append(
            f"the active version was chunked by chunker {active.manifest.chunker_version}: "
            f"rewriting it with chunker {CHUNKER_VERSION}"
        )
    if previous and not (report.added or report.updated or report.removed or moved or lacks_sections or rechunked):
        report.not_written = "no changes"
        return
    if not articles:
        # An empty version answers nothing (and bm25s cannot index an empty corpus): keep what is served.
        report.not_written = NO_ARTICLES_LEFT
        return

    version = new_version_id()
    builder = VersionBuilder(
        version=version, directory=data_dir.build_dir(version), embedder=embedder, chroma=chroma, previous=previous
    )
    try:
        # With no input files (a removal only), the version is as up to date as the one it replaces.
        inputs_mtime = inputs.newest_mtime or (active.manifest.inputs_mtime if active and active.manifest else 0.0)
        built = builder.build(list(articles.values()), inputs_mtime=inputs_mtime, progress=progress)
        builder.directory.rename(data_dir.version_dir(version))
        # A corrupt active version is replaced, not kept as the previous one to roll back to.
        corrupt = {active.version} if active and active.corrupt else set()
        data_dir.switch_to(version, options.keep_previous, skip=corrupt)
    except BaseException as error:
        # Without this a failed build stayed on disk until the next run, and a full disk stayed full.
        _discard(data_dir, chroma, version)
        # A Chroma server that goes away mid-write surfaces as an httpx transport error, not a ChromaError.
        if isinstance(error, OSError | ChromaError | httpx.TransportError):
            raise IndexWriteError(_write_failure(data_dir, version, error)) from error
        raise
    _remove_stale(data_dir, chroma, report)
    report.version = version
    report.passages_embedded = built.passages_embedded
    report.passages_total = built.passages_total


def _discard(data_dir: DataDir, chroma: ChromaSettings, version: str) -> None:
    """Remove a version that failed before it became active (never the active one)."""
    try:
        pointer = data_dir.read_pointer()
    except (OSError, ValueError):
        return  # the pointer cannot be read: leave the leftovers to the next run's remove_stale
    if pointer is not None and pointer.version == version:
        return
    for directory in (data_dir.build_dir(version), data_dir.version_dir(version)):
        shutil.rmtree(directory, ignore_errors=True)
    # An unreachable server: the next run's remove_stale drops them.
    with contextlib.suppress(OSError, ChromaError):
        drop_collections(chroma, version)


def _write_failure(data_dir: DataDir, version: str, error: BaseException) -> str:
    reason = f"Chroma: {error}" if isinstance(error, ChromaError) else str(error)
    try:
        free = f"{shutil.disk_usage(data_dir.root).free // 1024} KiB free there"
    except OSError:
        free = "free space unknown"
    try:
        pointer = data_dir.read_pointer()
    except (OSError, ValueError):
        pointer = None
    active = f"the active version {pointer.version} is unchanged" if pointer else "there is still no active version"
    return (
        f"could not write index version {version} in {data_dir.versions} ({free}): {reason}; "
        f"the partial version was removed and {active}"
    )


def _remove_stale(data_dir: DataDir, chroma: ChromaSettings, report: IngestReport) -> None:
    """Delete leftovers of earlier runs; best effort, since the next run tries again."""
    try:
        data_dir.remove_stale(on_remove=lambda v: drop_collections(chroma, v))
    except (OSError, ChromaError) as error:
        report.warnings.append(f"could not remove old index versions ({error}); the next ingest tries again")


@dataclass
class ActiveIndex:
    directory: Path
    # None when --rebuild found the manifest unreadable.
    manifest: Manifest | None
    articles: dict[str, Article]
    # Set when --rebuild found the version corrupt: it is replaced, and not kept for rollback.
    corrupt: bool = False

    @property
    def version(self) -> str:
        return self.directory.name


def _active_index(data_dir: DataDir, rebuild: bool, report: IngestReport) -> ActiveIndex | None:
    """The active version, if there is one.

    A normal run raises IndexCorruptError if any file of it is damaged (the CLI then points to --rebuild).
    A rebuild needs only its articles, since the version may be damaged: that is usually why one rebuilds.
    """
    pointer = data_dir.read_pointer()
    if pointer is None or not data_dir.version_dir(pointer.version).is_dir():
        return None
    directory = data_dir.version_dir(pointer.version)
    if not rebuild:
        # Checked whole, not just the files this run reads: a damaged version must not pass as "no changes",
        # nor be kept for rollback behind a new one. The error tells the operator to --rebuild.
        return ActiveIndex(directory, verify_version(directory), read_articles(directory))
    try:
        return ActiveIndex(directory, verify_version(directory), read_articles(directory))
    except IndexCorruptError as error:
        report.warnings.append(
            f"index version {error.version} is corrupt ({error.file}: {error.reason}): "
            "it is replaced by a fresh build and not kept for rollback"
        )
    try:
        articles = read_articles(directory)
    except IndexCorruptError:
        report.warnings.append(
            f"the articles of index version {pointer.version} are unreadable: building from PATHS only, "
            "so indexed articles missing from PATHS are dropped"
        )
        articles = {}
    try:
        manifest: Manifest | None = read_manifest(directory)
    except IndexCorruptError:
        manifest = None
    return ActiveIndex(directory, manifest, articles, corrupt=True)


def _not_reusable(manifest: Manifest, embedder: Embedder) -> str | None:
    """Why a version's vectors cannot be reused (another model or encoder), or None when they can."""
    before = f"index version {manifest.version}"
    if manifest.model_name != embedder.model_name:
        return f"{before} was embedded by {manifest.model_name}, this ingest uses {embedder.model_name}"
    if manifest.encoder != embedder.encoder:
        return f"{before} holds {manifest.encoder} vectors, this ingest embeds with the {embedder.encoder} encoder"
    # Another chunker does not make vectors stale: they are looked up by the hash of the text embedded, so a
    # passage the new chunker cuts the same way keeps its vector and only a re-cut one is embedded again.
    return None


def _merge(old: dict[str, Article], inputs: LoadedInputs, prune: bool, report: IngestReport) -> dict[str, Article]:
    """The article set of the new version: the old one, updated by the inputs, pruned if asked."""
    merged = dict(old)
    for article in inputs.articles:
        before = old.get(article.id)
        if before is None:
            report.added.append(article.id)
        elif before.content_hash != article.content_hash:
            report.updated.append(article.id)
        else:
            report.unchanged.append(article.id)
        merged[article.id] = article
    if prune:
        present = {a.id for a in inputs.articles}
        # An article whose file is present but invalid is not pruned: a typo must not delete served content.
        # Paths are compared resolved: `corpus/x.md` and `/abs/corpus/x.md` are the same file.
        rejected_paths = {_resolved(issue.path) for issue in inputs.rejected}
        for article_id, article in old.items():
            if article_id not in present and _resolved(article.source_path) not in rejected_paths:
                report.removed.append(article_id)
                del merged[article_id]
    return merged


def _resolved(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None
