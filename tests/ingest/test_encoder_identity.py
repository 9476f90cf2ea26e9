"""The encoder is part of an index's identity: a new one re-embeds everything, a mismatch is never searched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.embedding import Embedder, SentenceTransformerEmbedder
from ingest.layout import DataDir
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings
from ingest.version import read_manifest
from service.retrieval.index import IndexMismatchError, open_index
from tests.ingest.articles import write_corpus


@pytest.fixture
def int8_index(corpus: Path, data_dir: DataDir, embedder: Embedder, chroma_settings: ChromaSettings) -> DataDir:
    write_corpus(corpus)
    report = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=chroma_settings)
    assert report.ok
    return data_dir


def test_the_manifest_records_the_encoder(int8_index: DataDir) -> None:
    assert read_manifest(int8_index.active_version_dir()).encoder == "int8"


def test_another_encoder_re_embeds_every_passage_and_says_why(
    int8_index: DataDir,
    corpus: Path,
    reference_embedder: SentenceTransformerEmbedder,
    chroma_settings: ChromaSettings,
) -> None:
    report = run_ingest([corpus], data_dir=int8_index, embedder=reference_embedder, chroma=chroma_settings)

    assert report.ok and report.version is not None
    assert report.passages_embedded == report.passages_total > 0
    assert any("holds int8 vectors, this ingest embeds with the torch encoder" in w for w in report.warnings)
    assert read_manifest(int8_index.active_version_dir()).encoder == "torch"


def test_the_same_encoder_reuses_every_vector(
    int8_index: DataDir, corpus: Path, embedder: Embedder, chroma_settings: ChromaSettings
) -> None:
    report = run_ingest([corpus], data_dir=int8_index, embedder=embedder, chroma=chroma_settings)

    assert report.not_written == "no changes"


def test_an_index_is_never_searched_with_vectors_of_another_encoder(
    int8_index: DataDir, reference_embedder: SentenceTransformerEmbedder, chroma_settings: ChromaSettings
) -> None:
    with pytest.raises(IndexMismatchError, match="holds int8 vectors, but the configured encoder is torch"):
        open_index(int8_index, reference_embedder, chroma_settings)
