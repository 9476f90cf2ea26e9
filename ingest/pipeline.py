"""One ingest run: load inputs, compare with the active version, build a new version, switch to it.

The run holds the writer lock throughout. It builds into `versions/.build-<v>/` and only a finished
build is renamed into place and named by the pointer, so killing it at any point changes nothing that
readers see; the next run deletes the leftovers and starts again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import CHUNKER_VERSION
from ingest.embedding import Embedder
from ingest.layout import DataDir, WriterLock, new_version_id
from ingest.loading import LoadedInputs, load_inputs
from ingest.models import Article, ValidationIssue
from ingest.settings import ChromaSettings
from ingest.version import Manifest, read_articles, read_manifest
from ingest.version_builder import PreviousIndex, VersionBuilder, drop_collections

Progress = Callable[[str, int, int], None]


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

    @property
    def ok(self) -> bool:
        return not self.rejected and self.not_written in (None, "no changes")


@dataclass
class IngestOptions:
    prune: bool = False
    rebuild: bool = False
    strict: bool = False
    keep_previous: int = 1


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
    with WriterLock(data_dir):
        data_dir.remove_stale(on_remove=lambda v: drop_collections(chroma, v))
        report = _ingest_locked(paths, data_dir, embedder, chroma, options, progress)
    report.seconds = clock() - started
    return report


def _ingest_locked(
    paths: Sequence[Path],
    data_dir: DataDir,
    embedder: Embedder,
    chroma: ChromaSettings,
    options: IngestOptions,
    progress: Progress | None,
) -> IngestReport:
    inputs = load_inputs(paths)
    report = IngestReport(rejected=list(inputs.rejected))
    if inputs.duplicates:
        report.rejected.extend(inputs.duplicates)
        report.not_written = "duplicate article ids"
        return report
    if options.strict and inputs.rejected:
        report.not_written = "--strict and some articles were rejected"
        return report

    # The article set always carries over from the active version; only its vectors depend on the model,
    # the chunker and --rebuild. (Starting from no articles there silently dropped every indexed article
    # missing from PATHS, and reported unchanged ones as added.)
    active = _active_index(data_dir)
    previous = active if active and not options.rebuild and _reusable(active.manifest, embedder) else None
    articles = _merge(active.articles if active else {}, inputs, options.prune, report)
    report.passages_total = active.manifest.passage_count if active else 0
    if previous and not (report.added or report.updated or report.removed):
        report.not_written = "no changes"
        return report
    if not articles:
        # An empty version answers nothing (and bm25s cannot index an empty corpus): keep what is served.
        report.not_written = "the new version would hold no articles"
        return report

    version = new_version_id()
    build_dir = data_dir.build_dir(version)
    builder = VersionBuilder(version=version, directory=build_dir, embedder=embedder, chroma=chroma, previous=previous)
    built = builder.build(list(articles.values()), inputs_mtime=inputs.newest_mtime, progress=progress)
    final_dir = data_dir.version_dir(version)
    build_dir.rename(final_dir)
    data_dir.switch_to(version, options.keep_previous)
    data_dir.remove_stale(on_remove=lambda v: drop_collections(chroma, v))
    report.version = version
    report.passages_embedded = built.passages_embedded
    report.passages_total = built.passages_total
    return report


def _active_index(data_dir: DataDir) -> PreviousIndex | None:
    """The active version, if there is one."""
    pointer = data_dir.read_pointer()
    if pointer is None or not data_dir.version_dir(pointer.version).is_dir():
        return None
    directory = data_dir.version_dir(pointer.version)
    return PreviousIndex(directory=directory, manifest=read_manifest(directory), articles=read_articles(directory))


def _reusable(manifest: Manifest, embedder: Embedder) -> bool:
    """Whether a version's vectors can be reused: same model and chunker."""
    return manifest.model_name == embedder.model_name and manifest.chunker_version == CHUNKER_VERSION


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
