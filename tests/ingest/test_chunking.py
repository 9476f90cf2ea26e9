"""Chunking: claim-sized passages that carry everything retrieval and citation need."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ingest.chunking import (
    CHUNKER_VERSION,
    MAX_SENTENCE_WORDS,
    SUMMARY_SECTION,
    TARGET_WORDS,
    chunk_article,
    embedding_key,
    split_prose,
    split_sentences,
)
from ingest.formats.native import load_native
from ingest.models import Article, Claim, Reference, ReferenceType, ReviewStatus, Section, SourceFormat
from ingest.store import PASSAGES, QUESTIONS, collection_name
from tests.ingest.articles import write_article


def _article(
    *,
    claims: tuple[Claim, ...],
    source_format: SourceFormat = SourceFormat.NATIVE,
    summary: str = "A short summary.",
) -> Article:
    return Article(
        id="test-article",
        question="How is the test condition treated?",
        title="Treating the test condition",
        summary=summary,
        sections=(Section(heading="Management", claims=claims),),
        references=(
            Reference(n=1, type=ReferenceType.GUIDELINE, title="Guideline", source="Society", year=2018),
            Reference(n=2, type=ReferenceType.RESEARCH, title="Trial", source="Journal", year=2022),
        ),
        specialty="cardiology",
        last_updated=date(2020, 1, 1),
        review_status=ReviewStatus.APPROVED,
        source_format=source_format,
    )


def test_each_native_bullet_is_one_passage(tmp_path: Path) -> None:
    bullets = ["First claim about treatment [1]", "Second claim. It has two sentences [2]", "Third claim [1, 2]"]
    article = load_native(write_article(tmp_path, "hyperkalaemia", bullets=bullets))

    claims = [c for c in chunk_article(article) if c.section != SUMMARY_SECTION]

    assert [c.text for c in claims] == [
        "First claim about treatment",
        "Second claim. It has two sentences",
        "Third claim",
    ]


def test_summary_is_split_into_passages_of_one_to_three_sentences() -> None:
    summary = " ".join(f"Sentence number {i} is here." for i in range(1, 8))
    article = _article(claims=(Claim(text="A claim", citations=(1,)),), summary=summary)

    summary_chunks = [c for c in chunk_article(article) if c.section == SUMMARY_SECTION]

    sizes = [len(split_sentences(c.text)) for c in summary_chunks]
    assert sizes == [3, 3, 1]
    assert " ".join(c.text for c in summary_chunks) == summary


def test_chunk_keeps_article_id_section_citations_review_status_year_specialty_and_hash() -> None:
    article = _article(claims=(Claim(text="Aspirin is given at once", citations=(1, 2), source_id="qa-7"),))

    chunk = chunk_article(article)[-1]

    assert chunk.article_id == "test-article"
    assert chunk.section == "Management"
    assert chunk.citations == (1, 2)
    assert chunk.source_ids == ("qa-7",)
    assert chunk.review_status is ReviewStatus.APPROVED
    assert chunk.year == 2022  # the newest of its cited references
    assert chunk.specialty == "cardiology"
    assert chunk.reference_types == (ReferenceType.GUIDELINE, ReferenceType.RESEARCH)
    assert chunk.content_hash == embedding_key(chunk.embed_text)


def test_chunk_year_is_that_of_its_newest_cited_reference_not_of_the_article() -> None:
    article = _article(claims=(Claim(text="Aspirin is given at once", citations=(1,)),))

    chunk = chunk_article(article)[-1]

    assert chunk.year == 2018  # the article also cites a 2022 trial, but not in this passage


def test_uncited_passage_is_dated_by_the_articles_last_update() -> None:
    article = _article(claims=(Claim(text="Aspirin is given at once", citations=(1,)),))

    summary = next(c for c in chunk_article(article) if c.section == SUMMARY_SECTION)

    assert summary.year == 2020


def test_embed_text_holds_question_section_and_group_as_context() -> None:
    article = _article(claims=(Claim(text="Aspirin is given at once", citations=(1,), group="In the ambulance"),))

    chunk = chunk_article(article)[-1]

    assert (
        chunk.embed_text
        == "How is the test condition treated?\nManagement - In the ambulance\nAspirin is given at once"
    )


def test_chunk_ids_are_article_id_and_position() -> None:
    article = _article(claims=(Claim(text="One", citations=(1,)), Claim(text="Two", citations=(2,))))

    chunks = chunk_article(article)

    assert [c.id for c in chunks] == ["test-article:0000", "test-article:0001", "test-article:0002"]
    assert [c.position for c in chunks] == [0, 1, 2]


def test_content_hash_changes_with_the_text_and_only_with_it() -> None:
    one = chunk_article(_article(claims=(Claim(text="Aspirin is given", citations=(1,)),)))[-1]
    same = chunk_article(_article(claims=(Claim(text="Aspirin is given", citations=(1,)),)))[-1]
    other = chunk_article(_article(claims=(Claim(text="Heparin is given", citations=(1,)),)))[-1]

    assert one.content_hash == same.content_hash
    assert one.content_hash != other.content_hash


def test_prose_claims_of_non_native_formats_are_split_into_sentence_groups() -> None:
    answer = " ".join(f"Statement {i} about the condition." for i in range(1, 6))
    article = _article(claims=(Claim(text=answer, citations=(1,)),), source_format=SourceFormat.PAGE_TEXT)

    claims = [c for c in chunk_article(article) if c.section != SUMMARY_SECTION]

    assert [len(split_sentences(c.text)) for c in claims] == [3, 2]
    assert all(c.citations == (1,) for c in claims)


def test_medquad_summary_is_not_indexed_twice() -> None:
    article = _article(claims=(Claim(text="The answer.", source_id="q1"),), source_format=SourceFormat.MEDQUAD)

    assert [c.section for c in chunk_article(article)] == ["Management"]


def test_abbreviations_do_not_end_a_sentence() -> None:
    assert split_sentences("Give a diuretic, e.g. Furosemide, at once. Then recheck.") == [
        "Give a diuretic, e.g. Furosemide, at once.",
        "Then recheck.",
    ]


def test_prose_passages_stop_growing_at_the_word_target() -> None:
    long_sentence = " ".join(["word"] * (TARGET_WORDS - 5)) + "."
    passages = split_prose(f"{long_sentence} {long_sentence} Short one.")

    assert len(passages) == 2
    assert all(len(p.split()) <= TARGET_WORDS for p in passages)


def test_a_run_on_sentence_is_cut_into_pieces() -> None:
    run_on = " ".join(["item"] * (MAX_SENTENCE_WORDS + 30))

    pieces = split_sentences(run_on)

    assert len(pieces) == 2
    assert all(len(p.split()) <= MAX_SENTENCE_WORDS for p in pieces)


def test_collection_name_is_derived_from_model_and_chunker_version() -> None:
    name = collection_name(PASSAGES, "all-MiniLM-L6-v2", "v")

    assert name == f"passages-all-minilm-l6-v2-{CHUNKER_VERSION}-v"
    assert collection_name(PASSAGES, "other-model", "v") != name
    assert collection_name(QUESTIONS, "all-MiniLM-L6-v2", "v") != name
