"""The ingest pipeline refuses to write: rejected articles, --strict, duplicate ids, nothing left to index.

Real model and real Chroma, as in test_pipeline.py. Whatever is refused, the active version stays as it was.
"""

from __future__ import annotations

from pathlib import Path

from ingest.layout import DataDir
from ingest.version import read_articles
from tests.ingest.articles import write_article, write_corpus, write_invalid
from tests.ingest.conftest import Ingest


def _versions(data_dir: DataDir) -> list[str]:
    return sorted(p.name for p in data_dir.versions.iterdir())


def test_rejected_articles_are_reported_with_reasons_while_valid_ones_are_indexed(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_corpus(corpus, ["asthma", "sepsis"])
    broken = write_invalid(corpus)

    report = ingest()

    assert sorted(report.added) == ["asthma", "sepsis"]
    assert [issue.path for issue in report.rejected] == [str(broken)]
    assert "cites [7]" in report.rejected[0].reason
    assert not report.ok  # the CLI exits 1
    assert sorted(read_articles(data_dir.active_version_dir())) == ["asthma", "sepsis"]


def test_strict_writes_nothing_when_any_article_is_rejected(corpus: Path, ingest: Ingest, data_dir: DataDir) -> None:
    write_corpus(corpus)
    ingest()
    pointer = data_dir.pointer_path.read_bytes()
    write_article(corpus, "migraine")
    write_invalid(corpus)

    report = ingest(strict=True)

    assert report.version is None and report.not_written is not None and "--strict" in report.not_written
    assert report.added == [] and len(report.rejected) == 1 and not report.ok
    assert data_dir.pointer_path.read_bytes() == pointer
    assert "migraine" not in read_articles(data_dir.active_version_dir())


def test_duplicate_article_ids_across_files_write_nothing(corpus: Path, ingest: Ingest, data_dir: DataDir) -> None:
    write_corpus(corpus, ["asthma"])
    (corpus / "copy.md").write_text((corpus / "asthma.md").read_text(encoding="utf-8"), encoding="utf-8")

    report = ingest()

    assert report.not_written == "duplicate article ids" and not report.ok
    assert sorted(Path(issue.path).name for issue in report.rejected) == ["asthma.md", "copy.md"]
    assert "used by 2 files" in report.rejected[0].reason
    assert data_dir.read_pointer() is None
    assert not data_dir.versions.exists() or _versions(data_dir) == []


def test_duplicate_article_ids_leave_an_existing_index_untouched(
    corpus: Path, ingest: Ingest, data_dir: DataDir
) -> None:
    write_corpus(corpus)
    ingest()
    pointer = data_dir.pointer_path.read_bytes()
    write_article(corpus, "migraine")
    (corpus / "copy.md").write_text((corpus / "asthma.md").read_text(encoding="utf-8"), encoding="utf-8")

    report = ingest()

    assert report.not_written == "duplicate article ids" and report.added == []
    assert data_dir.pointer_path.read_bytes() == pointer


def test_a_first_run_with_no_valid_article_writes_nothing(corpus: Path, ingest: Ingest, data_dir: DataDir) -> None:
    write_invalid(corpus)

    report = ingest()

    assert report.version is None and report.not_written is not None and not report.ok
    assert len(report.rejected) == 1
    assert data_dir.read_pointer() is None


def test_prune_that_would_empty_the_index_writes_nothing(corpus: Path, ingest: Ingest, data_dir: DataDir) -> None:
    paths = write_corpus(corpus, ["asthma"])
    ingest()
    pointer = data_dir.pointer_path.read_bytes()
    paths[0].unlink()

    report = ingest(prune=True)

    assert report.version is None and report.not_written is not None and not report.ok
    assert data_dir.pointer_path.read_bytes() == pointer
