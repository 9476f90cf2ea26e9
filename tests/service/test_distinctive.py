"""The question's distinctive words: those few retrieved passages share, weighted by that rarity."""

from __future__ import annotations

import pytest

from ingest.models import Chunk, ReviewStatus
from service.answering.distinctive import distinctive_cover, terms
from service.handoffs import Passage


def passage(n: int, text: str, section: str = "S") -> Passage:
    chunk = Chunk(
        id=f"a:{n:04d}",
        article_id="a",
        article_title="Article a",
        section=section,
        text=text,
        embed_text=text,
        citations=(1,),
        review_status=ReviewStatus.SUBMITTED,
        specialty="x",
        position=n,
        content_hash=str(n),
    )
    return Passage(chunk=chunk, similarity=0.5, score=0.5)


def test_a_word_every_passage_holds_decides_nothing() -> None:
    passages = [passage(1, "UTI in women"), passage(2, "Recurrent UTI in women")]

    assert distinctive_cover("UTI women", passages) == [0.0, 0.0]


def test_the_word_few_passages_hold_gives_them_the_cover() -> None:
    passages = [passage(1, "UTI in women"), passage(2, "first-line UTI treatment"), passage(3, "UTI in men")]

    covers = distinctive_cover("first line for UTI", passages)

    assert covers[1] == pytest.approx(1.0)
    assert covers[0] == covers[2] == 0.0


def test_rarer_words_weigh_more() -> None:
    passages = [
        passage(1, "nitrofurantoin dose"),
        passage(2, "trimethoprim dose"),
        passage(3, "trimethoprim in pregnancy"),
        passage(4, "fluids"),
    ]

    covers = distinctive_cover("nitrofurantoin or trimethoprim", passages)

    assert covers[0] > covers[1] == covers[2] > covers[3]


def test_the_section_heading_counts_as_the_passage_s_words() -> None:
    passages = [passage(1, "Trimethoprim 200 mg", section="First-Line Treatment"), passage(2, "Vaginal oestrogen")]

    assert distinctive_cover("first line?", passages) == [pytest.approx(1.0), 0.0]


def test_words_are_compared_stemmed() -> None:
    passages = [passage(1, "Treatment of sepsis"), passage(2, "Recognising sepsis")]

    assert distinctive_cover("how do I recognise it", passages)[1] == pytest.approx(1.0)


def test_a_long_stem_that_begins_a_word_is_that_word() -> None:
    passages = [passage(1, "Fluids", section="Treatment"), passage(2, "Duplex ultrasound", section="Diagnosis")]

    assert distinctive_cover("how to treat it", passages) == [pytest.approx(1.0), 0.0]


def test_a_short_stem_is_not_read_into_a_longer_word() -> None:
    passages = [passage(1, "Linezolid 600 mg"), passage(2, "Vancomycin")]

    assert distinctive_cover("second line?", passages) == [0.0, 0.0]


def test_a_phrase_counts_beyond_its_words() -> None:
    passages = [
        passage(1, "Trimethoprim is a first-line option"),
        passage(2, "If the first antibiotic fails, choose a second-line one"),
        passage(3, "Vaginal oestrogen"),
    ]

    covers = distinctive_cover("first line?", passages)

    assert covers[0] == pytest.approx(1.0)
    assert 0.0 < covers[1] < covers[0]


def test_a_question_of_stopwords_alone_covers_nothing() -> None:
    passages = [passage(1, "UTI in women"), passage(2, "first-line treatment")]

    assert distinctive_cover("what is it?", passages) == [0.0, 0.0]


def test_a_phrase_is_two_content_words_side_by_side() -> None:
    assert "first line" in terms("first-line treatment")
    assert "uti women" not in terms("UTI in women")
