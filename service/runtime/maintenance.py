"""The index changes the admin endpoints make: upload one article, delete one, re-ingest the corpus folder.

Each writes a new index version under the writer lock, as `vademecum ingest` does, and switches ACTIVE
to it only when it is complete, so a failure or a kill changes nothing that is served. Nothing here waits
for the lock: another writer raises IndexBusyError at once. Calls block (embedding, Chroma writes): run
them off the event loop.

Uploads are validated by the loader `vademecum ingest` uses, before the lock is taken, and ingested
with `--strict` semantics. They are not copied into the corpus folder: the data directory is the only
place the service writes. A later reindex keeps them (it does not prune) unless the corpus folder holds
an article with the same id and other content, which then replaces the uploaded one.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ingest.embedding import Embedder
from ingest.layout import DataDir, IndexMissingError
from ingest.loading import load_inputs
from ingest.models import ValidationIssue
from ingest.pipeline import NO_ARTICLES_LEFT, IngestOptions, IngestReport, run_ingest
from ingest.settings import Settings
from ingest.version import IndexCorruptError, read_manifest

UPLOAD_NAME = "upload.md"


class ArticleRejectedError(Exception):
    """The uploaded article is invalid; nothing was written."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        super().__init__("; ".join(_describe(issue) for issue in issues))
        self.issues = issues


class ArticleNotFoundError(Exception):
    """The active version has no article with this id."""


class NothingWrittenError(Exception):
    """The change was refused as a whole (it would leave an empty index); nothing was written."""


@dataclass(frozen=True)
class Maintenance:
    settings: Settings
    embedder: Embedder

    @property
    def data_dir(self) -> DataDir:
        return DataDir(self.settings.data_dir)

    def upload(self, content: bytes) -> tuple[str, IngestReport]:
        """Ingest one native article file; (its id, the report). Raises ArticleRejectedError when invalid."""
        with tempfile.TemporaryDirectory(prefix="vademecum-upload-") as folder:
            path = Path(folder) / UPLOAD_NAME
            path.write_bytes(content)
            inputs = load_inputs([path])  # exactly what `vademecum ingest --check` runs
            if inputs.rejected or not inputs.articles:
                raise ArticleRejectedError(inputs.rejected or [ValidationIssue(path=str(path), reason="no article")])
            self._keep_inputs_mtime(path)
            report = run_ingest(
                [path],
                data_dir=self.data_dir,
                embedder=self.embedder,
                chroma=self.settings.chroma,
                options=IngestOptions(strict=True, keep_previous=self.settings.index.keep_previous),
            )
        if report.rejected:
            raise ArticleRejectedError(report.rejected)
        return inputs.articles[0].id, report

    def reindex(self, *, prune: bool = False, rebuild: bool = False) -> IngestReport:
        """`vademecum ingest [--prune] [--rebuild]` of the corpus folder."""
        options = IngestOptions(prune=prune, rebuild=rebuild, keep_previous=self.settings.index.keep_previous)
        return run_ingest(
            [self.settings.corpus_dir],
            data_dir=self.data_dir,
            embedder=self.embedder,
            chroma=self.settings.chroma,
            options=options,
        )

    def delete(self, article_id: str) -> IngestReport:
        """A new version without `article_id`; every other passage keeps its vectors (nothing is embedded)."""
        report = run_ingest(
            [],
            data_dir=self.data_dir,
            embedder=self.embedder,
            chroma=self.settings.chroma,
            options=IngestOptions(remove=frozenset({article_id}), keep_previous=self.settings.index.keep_previous),
        )
        if article_id not in report.removed:
            raise ArticleNotFoundError(f"no article {article_id!r} in the active index version")
        if report.not_written == NO_ARTICLES_LEFT:
            raise NothingWrittenError(f"deleting {article_id!r} would leave the index without articles")
        return report

    def _keep_inputs_mtime(self, path: Path) -> None:
        """Date the upload like the inputs of the active version.

        The manifest records the newest input's mtime, and `vademecum serve` re-ingests the corpus folder
        when a corpus file is newer. A fresh upload would claim the whole corpus is up to date as of now.
        """
        try:
            inputs_mtime = read_manifest(self.data_dir.active_version_dir()).inputs_mtime
        except (IndexMissingError, IndexCorruptError, OSError, ValueError):
            return  # no usable active version: the ingest itself reports it
        if inputs_mtime > 0:
            os.utime(path, (inputs_mtime, inputs_mtime))


def _describe(issue: ValidationIssue) -> str:
    """An issue without the temporary file's path, which means nothing to the client."""
    return f"line {issue.line}: {issue.reason}" if issue.line else issue.reason
