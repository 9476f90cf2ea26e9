"""Section vectors: one per (article, heading), written with every version, added to an older one by ingest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.embedding import Embedder
from ingest.layout import DataDir
from ingest.models import Chunk, ReviewStatus
from ingest.sections import is_question_heading, section_rows, section_text
from ingest.version import SECTION_EMBEDDINGS, IndexCorruptError, read_chunks, read_vectors, verify_version
from tests.ingest.articles import write_corpus
from tests.ingest.conftest import Ingest


def chunk(n: int, article: str, section: str) -> Chunk:
    return Chunk(
        id=f"{article}:{n}",
        article_id=article,
        article_title=article.title(),
        section=section,
        text=f"claim {n}",
        embed_text=f"claim {n}",
        review_status=ReviewStatus.SUBMITTED,
        specialty="x",
        position=n,
        content_hash=str(n),
    )


def test_sections_are_numbered_in_order_of_first_appearance() -> None:
    chunks = [chunk(0, "a", "Dose"), chunk(1, "a", "Dose"), chunk(2, "a", "Monitoring"), chunk(3, "b", "Dose")]

    keys, rows = section_rows(chunks)

    assert keys == [("a", "Dose"), ("a", "Monitoring"), ("b", "Dose")]
    assert rows.tolist() == [0, 0, 1, 2]


def test_a_heading_is_embedded_with_its_article_title_unless_it_names_it() -> None:
    assert section_text("Uncomplicated UTI", "First-Line Treatment") == "Uncomplicated UTI: First-Line Treatment"
    assert (
        section_text("Glaucoma", "What are the treatments for glaucoma ?") == "What are the treatments for glaucoma ?"
    )


def test_a_version_holds_one_section_vector_per_section(
    corpus: Path, ingest: Ingest, data_dir: DataDir, embedder: Embedder
) -> None:
    write_corpus(corpus)

    ingest()

    directory = data_dir.active_version_dir()
    keys, _ = section_rows(read_chunks(directory))
    vectors = read_vectors(directory / SECTION_EMBEDDINGS)
    assert vectors.shape == (len(keys), embedder.dimension)
    title = {c.article_id: c.article_title for c in read_chunks(directory)}[keys[0][0]]
    expected = embedder.embed_documents([section_text(title, keys[0][1])])[0]
    assert float(vectors[0] @ expected) > 0.999


def test_ingest_rewrites_a_version_written_before_section_vectors(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_corpus(corpus)
    ingest()
    (data_dir.active_version_dir() / SECTION_EMBEDDINGS).unlink()

    report = ingest()

    assert report.version is not None and report.passages_embedded == 0
    assert any("no section vectors" in warning for warning in report.warnings)
    assert (data_dir.active_version_dir() / SECTION_EMBEDDINGS).is_file()


def test_a_section_file_of_the_wrong_shape_is_reported_corrupt(corpus: Path, ingest: Ingest, data_dir: DataDir) -> None:
    write_corpus(corpus)
    ingest()
    directory = data_dir.active_version_dir()
    np.save(directory / SECTION_EMBEDDINGS, np.zeros((1, 3), dtype=np.float32))

    with pytest.raises(IndexCorruptError, match=SECTION_EMBEDDINGS):
        verify_version(directory)


def test_a_heading_is_a_question_when_it_asks_one() -> None:
    assert is_question_heading("What are the treatments for glaucoma ?")
    assert not is_question_heading("Who Needs Immediate Antibiotics")
    assert not is_question_heading("First-Line Treatment")
    assert not is_question_heading("Isolation precautions")
