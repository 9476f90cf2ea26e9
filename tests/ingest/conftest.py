"""Fixtures of the ingest tests: a small corpus folder and an in-process `ingest` bound to the test's data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.pipeline import IngestOptions, IngestReport, run_ingest
from ingest.settings import ChromaSettings

Ingest = Callable[..., IngestReport]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    return directory


@pytest.fixture
def ingest(corpus: Path, data_dir: DataDir, embedder: Embedder, chroma_settings: ChromaSettings) -> Ingest:
    """`ingest(paths=[corpus], prune=..., rebuild=..., strict=..., embedder=...)` run in this process."""

    def run(
        paths: Sequence[Path] | None = None, *, embedder_: Embedder | None = None, **options: object
    ) -> IngestReport:
        return run_ingest(
            list(paths) if paths is not None else [corpus],
            data_dir=data_dir,
            embedder=embedder_ or embedder,
            chroma=chroma_settings,
            options=IngestOptions(**options),  # type: ignore[arg-type]
        )

    return run
