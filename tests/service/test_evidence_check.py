"""The evidence check over a real index: which passages fit the group asked about, what it keeps between requests."""

from __future__ import annotations

import pytest

from service.answering import evidence_check
from service.answering.evidence_check import EvidenceCheck
from service.handoffs import Passage
from service.retrieval.index import LoadedIndex
from tests.service.helpers import require_articles

QUESTION = "What dose of apixaban is used, and for how long?"


def test_the_evidence_check_keeps_only_the_most_recently_read_articles(
    index: LoadedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence_check, "READ_ARTICLES", 2)
    check = EvidenceCheck(index)
    for article_id in sorted(index.articles)[:4]:
        check.unaddressed(QUESTION, [], article_id)

    assert check._evidence_text.cache_info().currsize == 2


def test_an_article_read_again_after_being_dropped_gives_the_same_answer(
    index: LoadedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, *others = sorted(index.articles)[:4]
    unbounded = EvidenceCheck(index).unaddressed(QUESTION, [], first)
    monkeypatch.setattr(evidence_check, "READ_ARTICLES", 1)
    check = EvidenceCheck(index)
    check.unaddressed(QUESTION, [], first)
    for article_id in others:
        check.unaddressed(QUESTION, [], article_id)

    assert check.unaddressed(QUESTION, [], first) == unbounded


def article_passages(index: LoadedIndex, article_id: str) -> list[Passage]:
    rows = index.article_rows[article_id]
    return [Passage(chunk=index.chunks[row], similarity=0.7, score=1.0) for row in rows]


def test_an_article_written_for_women_does_not_answer_a_question_about_men(index: LoadedIndex) -> None:
    require_articles(index, "uncomplicated-uti-women")
    passages = article_passages(index, "uncomplicated-uti-women")

    assert EvidenceCheck(index).fitting_group("what about in men?", passages) == []


def test_an_article_written_for_women_answers_a_question_about_an_older_woman(index: LoadedIndex) -> None:
    require_articles(index, "uncomplicated-uti-women")
    passages = article_passages(index, "uncomplicated-uti-women")

    assert EvidenceCheck(index).fitting_group("is it the same for my mum, she's 80?", passages) == passages


def test_a_question_that_names_no_group_is_not_narrowed(index: LoadedIndex) -> None:
    passages = article_passages(index, sorted(index.articles)[0])

    assert EvidenceCheck(index).fitting_group("how long for the antibiotics?", passages) is None


def test_an_article_on_the_upper_form_of_a_condition_does_not_answer_the_lower(index: LoadedIndex) -> None:
    require_articles(index, "upper-gi-bleeding")
    passages = article_passages(index, "upper-gi-bleeding")

    assert EvidenceCheck(index).fitting_subtype("what about a lower GI bleed, same score?", passages) == []


def test_an_article_on_the_form_asked_about_answers_it(index: LoadedIndex) -> None:
    require_articles(index, "upper-gi-bleeding")
    passages = article_passages(index, "upper-gi-bleeding")

    assert EvidenceCheck(index).fitting_subtype("upper GI bleed on apixaban, when to scope?", passages) == passages


def test_a_topic_only_the_article_narrowed_away_names_is_left_behind(index: LoadedIndex) -> None:
    require_articles(index, "acute-asthma-adults", "bronchiolitis-infants")
    check = EvidenceCheck(index)

    left = check.topic_left_behind("asthma in children under 5", "acute-asthma-adults", {"bronchiolitis-infants"})

    assert left == ["asthma"]


def test_an_acronym_the_heading_narrowed_away_spells_out_is_a_topic_left_behind(index: LoadedIndex) -> None:
    require_articles(index, "uncomplicated-uti-women", "community-acquired-pneumonia")
    check = EvidenceCheck(index)

    left = check.topic_left_behind(
        "UTI in a man, how many days of antibiotics", "uncomplicated-uti-women", {"community-acquired-pneumonia"}
    )

    assert left == ["uti"]


def test_whom_a_question_is_about_is_not_its_topic(index: LoadedIndex) -> None:
    require_articles(index, "uncomplicated-uti-women", "acute-asthma-adults")
    check = EvidenceCheck(index)

    assert check.topic_left_behind("and in women?", "uncomplicated-uti-women", {"acute-asthma-adults"}) == []


def test_a_passage_that_speaks_of_the_form_asked_about_answers_it_whatever_its_article(index: LoadedIndex) -> None:
    require_articles(index, "metformin-ckd")
    passages = article_passages(index, "metformin-ckd")

    fitting = EvidenceCheck(index).fitting_subtype("metformin in acute kidney injury?", passages)

    assert fitting
    assert all("acute kidney injury" in p.chunk.text for p in fitting)


def test_an_acronym_typed_in_lower_case_is_spelt_out_where_the_articles_write_it_in_capitals(
    index: LoadedIndex,
) -> None:
    require_articles(index, "diabetic-ketoacidosis")
    passages = article_passages(index, "diabetic-ketoacidosis")

    spelt = EvidenceCheck(index).spelt_out("criteria for dka being resolved", passages)

    assert spelt == "criteria for dka (diabetic ketoacidosis) being resolved"


def test_a_lower_case_word_the_articles_never_write_in_capitals_is_left_as_typed(index: LoadedIndex) -> None:
    require_articles(index, "diabetic-ketoacidosis")
    passages = article_passages(index, "diabetic-ketoacidosis")

    assert EvidenceCheck(index).spelt_out("fluid rate for adults", passages) == "fluid rate for adults"
