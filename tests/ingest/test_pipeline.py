"""The ingest pipeline with the real model and real Chroma: incremental runs, prune, rebuild.

What it refuses to write is in test_pipeline_refusals.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.chunking import CHUNKER_VERSION
from ingest.embedding import Embedder, EncoderKind, Vectors
from ingest.layout import DataDir, IndexBusyError, WriterLock
from ingest.pipeline import run_ingest
from ingest.settings import ChromaSettings
from ingest.version import MANIFEST, read_articles, read_chunks, read_questions
from tests.ingest.articles import write_article, write_corpus, write_invalid
from tests.ingest.conftest import Ingest
from tests.ingest.index_view import bm25_articles, chroma_collection, chroma_documents, chunk_texts, manifest
from tests.service.serving import chroma_server

OLD_BULLETS = (
    "Give intravenous zirconiumcarbonate when the ECG changes [1]",
    "Insulin with glucose shifts potassium into the cells [1, 2]",
    "Check the glucose repeatedly after insulin [2]",
)
NEW_BULLETS = (
    "Give intravenous calcium gluconate when the ECG changes [1]",
    "Nebulised salbutamolquinine lowers potassium as well [2]",
)


class RenamedEmbedder:
    """The real model under another name: what a configured model change looks like to the pipeline."""

    def __init__(self, inner: Embedder, name: str) -> None:
        self._inner = inner
        self._name = name

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def model_reference(self) -> str:
        return self._inner.model_reference

    @property
    def encoder(self) -> EncoderKind:
        return self._inner.encoder

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def embed_documents(self, texts: list[str]) -> Vectors:
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> Vectors:
        return self._inner.embed_query(text)


def _versions(data_dir: DataDir) -> list[str]:
    return sorted(p.name for p in data_dir.versions.iterdir())


def test_first_run_adds_every_article_and_embeds_every_passage(
    corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings, embedder: Embedder
) -> None:
    write_corpus(corpus)

    report = ingest()

    directory = data_dir.active_version_dir()
    chunks = read_chunks(directory)
    assert sorted(report.added) == ["asthma", "hyperkalaemia", "sepsis"]
    assert (report.updated, report.unchanged, report.removed, report.rejected) == ([], [], [], [])
    assert report.passages_embedded == report.passages_total == len(chunks) == 12
    assert report.version == directory.name and report.ok
    with chroma_collection(directory, chroma_settings, embedder) as collection:
        assert collection.count() == len(chunks)
    assert bm25_articles(directory, "salbutamol spacer") == {"asthma"}


def test_unchanged_rerun_embeds_nothing_and_keeps_the_active_version(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_corpus(corpus)
    first = ingest()
    pointer = data_dir.pointer_path.read_bytes()

    report = ingest()

    assert sorted(report.unchanged) == ["asthma", "hyperkalaemia", "sepsis"]
    assert (report.added, report.updated, report.removed) == ([], [], [])
    assert report.passages_embedded == 0
    assert report.passages_total == first.passages_total
    assert report.version is None and report.not_written == "no changes" and report.ok
    assert data_dir.pointer_path.read_bytes() == pointer
    assert _versions(data_dir) == [first.version]


def test_added_article_is_counted_and_only_its_passages_are_embedded(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_corpus(corpus)
    ingest()
    write_article(corpus, "migraine")

    report = ingest()

    assert report.added == ["migraine"]
    assert sorted(report.unchanged) == ["asthma", "hyperkalaemia", "sepsis"]
    assert report.passages_embedded == 4
    assert len(chunk_texts(data_dir.active_version_dir(), "migraine")) == 4


def test_changed_article_is_counted_as_updated_and_only_changed_passages_are_embedded(
    corpus: Path, ingest: Ingest
) -> None:
    write_corpus(corpus, ["asthma"])
    write_article(corpus, "hyperkalaemia", bullets=OLD_BULLETS)
    ingest()
    write_article(corpus, "hyperkalaemia", bullets=NEW_BULLETS)

    report = ingest()

    assert (report.updated, report.unchanged, report.added) == (["hyperkalaemia"], ["asthma"], [])
    assert report.passages_embedded == len(NEW_BULLETS)  # the summary passage is reused


def test_changed_article_leaves_no_stale_passage_in_chunks_bm25_or_chroma(
    corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings, embedder: Embedder
) -> None:
    write_corpus(corpus, ["asthma"])
    write_article(corpus, "hyperkalaemia", bullets=OLD_BULLETS)
    ingest()
    write_article(corpus, "hyperkalaemia", bullets=NEW_BULLETS)

    ingest()

    directory = data_dir.active_version_dir()
    expected = [b.rsplit(" [", 1)[0] for b in NEW_BULLETS]
    assert chunk_texts(directory, "hyperkalaemia")[1:] == expected
    assert chroma_documents(directory, chroma_settings, embedder, "hyperkalaemia")[:2] == sorted(expected)
    assert len(chroma_documents(directory, chroma_settings, embedder, "hyperkalaemia")) == 1 + len(expected)
    assert bm25_articles(directory, "zirconiumcarbonate") == set()
    assert bm25_articles(directory, "salbutamolquinine") == {"hyperkalaemia"}
    assert manifest(directory).articles["hyperkalaemia"].passages == 1 + len(expected)


def test_previous_version_keeps_its_own_passages_bm25_and_chroma(
    corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings, embedder: Embedder
) -> None:
    write_article(corpus, "hyperkalaemia", bullets=OLD_BULLETS)
    first = ingest()
    write_article(corpus, "hyperkalaemia", bullets=NEW_BULLETS)

    ingest()

    pointer = data_dir.read_pointer()
    assert pointer is not None and pointer.previous == [first.version]
    old = data_dir.version_dir(str(first.version))
    assert bm25_articles(old, "zirconiumcarbonate") == {"hyperkalaemia"}
    assert len(chroma_documents(old, chroma_settings, embedder, "hyperkalaemia")) == 1 + len(OLD_BULLETS)


def test_only_the_active_and_kept_previous_versions_stay_on_disk(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    versions: list[str] = []
    for name in ("asthma", "sepsis", "migraine"):
        write_article(corpus, name)
        versions.append(str(ingest(keep_previous=1).version))

    assert _versions(data_dir) == sorted(versions[1:])


def test_article_missing_from_the_inputs_stays_indexed_without_prune(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    paths = write_corpus(corpus)
    ingest()
    paths[0].unlink()

    report = ingest()

    assert report.removed == [] and report.not_written == "no changes"
    assert "hyperkalaemia" in read_articles(data_dir.active_version_dir())


def test_prune_removes_articles_no_longer_present(
    corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings, embedder: Embedder
) -> None:
    paths = write_corpus(corpus)
    ingest()
    paths[0].unlink()

    report = ingest(prune=True)

    directory = data_dir.active_version_dir()
    assert report.removed == ["hyperkalaemia"]
    assert report.passages_embedded == 0
    assert "hyperkalaemia" not in read_articles(directory)
    assert chunk_texts(directory, "hyperkalaemia") == []
    assert chroma_documents(directory, chroma_settings, embedder, "hyperkalaemia") == []
    assert "hyperkalaemia" not in manifest(directory).articles


def test_prune_keeps_an_indexed_article_whose_file_is_now_invalid(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_corpus(corpus)
    ingest()
    write_invalid(corpus, "asthma")  # same file, now citing a missing reference

    report = ingest(prune=True)

    assert report.removed == [] and not report.ok
    assert "asthma" in read_articles(data_dir.active_version_dir())


def test_prune_keeps_an_invalid_article_when_the_folder_is_named_another_way(
    corpus: Path, ingest: Ingest, data_dir: DataDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(corpus)
    monkeypatch.chdir(corpus.parent)
    ingest([Path(corpus.name)])  # relative the first time, absolute the second
    write_invalid(corpus, "asthma")

    report = ingest([corpus.resolve()], prune=True)

    assert report.removed == []
    assert "asthma" in read_articles(data_dir.active_version_dir())


def test_rebuild_reembeds_everything_into_a_new_version(corpus: Path, ingest: Ingest, data_dir: DataDir) -> None:
    write_corpus(corpus)
    first = ingest()

    report = ingest(rebuild=True)

    assert report.version not in (None, first.version)
    assert report.passages_embedded == report.passages_total == first.passages_total
    assert sorted(report.unchanged) == ["asthma", "hyperkalaemia", "sepsis"]
    assert data_dir.active_version_dir().name == report.version


def test_rebuild_keeps_indexed_articles_that_are_not_in_the_inputs(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    paths = write_corpus(corpus)
    ingest()

    report = ingest([paths[1]], rebuild=True)

    assert report.removed == []
    assert sorted(read_articles(data_dir.active_version_dir())) == ["asthma", "hyperkalaemia", "sepsis"]


def test_a_model_change_reembeds_into_a_collection_named_for_the_new_model(
    corpus: Path, ingest: Ingest, data_dir: DataDir, embedder: Embedder
) -> None:
    write_corpus(corpus)
    first = ingest()
    old_collection = manifest(data_dir.active_version_dir()).passages_collection

    report = ingest(embedder_=RenamedEmbedder(embedder, "Other-Model-v2"))

    new = manifest(data_dir.active_version_dir())
    assert report.version not in (None, first.version)
    assert report.passages_embedded == report.passages_total == first.passages_total
    assert new.model_name == "Other-Model-v2"
    assert new.passages_collection != old_collection and "other-model-v2" in new.passages_collection
    assert sorted(new.articles) == ["asthma", "hyperkalaemia", "sepsis"]


def test_an_embedded_version_is_rewritten_into_the_chroma_server_without_reembedding(
    tmp_path: Path, corpus: Path, data_dir: DataDir, embedder: Embedder
) -> None:
    write_corpus(corpus)
    embedded = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=ChromaSettings())

    with chroma_server(tmp_path / "server") as server:
        report = run_ingest([corpus], data_dir=data_dir, embedder=embedder, chroma=server)

        assert report.version not in (None, embedded.version)
        assert report.passages_embedded == 0
        assert manifest(data_dir.active_version_dir()).chroma_mode == "http"
        assert chroma_documents(data_dir.active_version_dir(), server, embedder, "asthma")


def test_chroma_passages_carry_their_provenance_as_metadata(
    corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings, embedder: Embedder
) -> None:
    write_article(corpus, "asthma", review_status="approved")
    ingest()

    with chroma_collection(data_dir.active_version_dir(), chroma_settings, embedder) as collection:
        got = collection.get(ids=["asthma:0002"], include=["metadatas", "documents"])

    assert got["documents"] == ["Oral prednisolone shortens the attack and reduces relapse"]
    metadata = (got["metadatas"] or [{}])[0]
    assert {k: metadata[k] for k in ("article_id", "section", "citations", "review_status", "year", "specialty")} == {
        "article_id": "asthma",
        "section": "Treatment",
        "citations": "1,2",
        "review_status": "approved",
        "year": 2021,  # its newest cited reference (the article was updated in 2025)
        "specialty": "respiratory",
    }
    assert metadata["ref_guideline"] is True and metadata["ref_research"] is False


def test_related_questions_are_indexed_in_their_own_collection(
    corpus: Path, ingest: Ingest, data_dir: DataDir, chroma_settings: ChromaSettings, embedder: Embedder
) -> None:
    write_article(corpus, "asthma")
    write_article(
        corpus,
        "sepsis",
        related=[("Is salbutamol safe in an asthma attack?", "asthma"), ("Is there a vaccine?", None)],
    )
    ingest()

    directory = data_dir.active_version_dir()
    questions = {(q.text, q.article_id, q.listed_in) for q in read_questions(directory)}
    assert ("Is salbutamol safe in an asthma attack?", "asthma", "sepsis") in questions
    assert not any(text == "Is there a vaccine?" for text, _, _ in questions)  # answers nothing indexed
    meta = manifest(directory)
    assert meta.questions_collection != meta.passages_collection
    with chroma_collection(directory, chroma_settings, embedder, questions=True) as collection:
        assert collection.count() == len(questions) == 3


def test_a_second_concurrent_writer_is_refused_at_once(corpus: Path, ingest: Ingest, data_dir: DataDir) -> None:
    write_corpus(corpus, ["asthma"])
    started = time.monotonic()

    with WriterLock(data_dir), pytest.raises(IndexBusyError, match="another ingest is writing"):
        ingest()

    assert time.monotonic() - started < 5
    assert data_dir.read_pointer() is None


def test_a_version_cut_by_another_chunker_is_rewritten_reusing_every_unchanged_vector(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_corpus(corpus)
    first = ingest()
    old = manifest(data_dir.active_version_dir())
    (data_dir.active_version_dir() / MANIFEST).write_text(
        old.model_copy(update={"chunker_version": "c0"}).model_dump_json(), encoding="utf-8"
    )

    report = ingest()

    assert report.version not in (None, first.version)
    assert report.passages_embedded == 0 and report.passages_total == first.passages_total
    assert any("chunker c0" in warning for warning in report.warnings)
    assert manifest(data_dir.active_version_dir()).chunker_version == CHUNKER_VERSION
