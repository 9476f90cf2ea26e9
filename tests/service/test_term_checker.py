"""What the corpus can speak about: the unknown-term check's word lookups (service.triage.lexical_checks)."""

from __future__ import annotations

from service.triage.lexical_checks import TermChecker

CORPUS_WORDS = ["chemotherapy", "asthma", "valve", "hyperglycaemia", "warfarin", "2024"]


def checker() -> TermChecker:
    return TermChecker.build(CORPUS_WORDS, common=["the", "patient"])


def test_a_corpus_word_is_known() -> None:
    assert checker().knows("warfarin", "warfarin")


def test_the_beginning_of_a_longer_corpus_word_is_known() -> None:
    assert checker().knows("chemo", "chemo")


def test_a_whole_corpus_word_is_not_the_beginning_of_a_longer_one() -> None:
    assert checker().begins_a_word("chemotherap")
    assert not checker().begins_a_word("chemotherapy")
    assert not checker().begins_a_word("che")


def test_an_adjective_of_a_corpus_noun_is_known() -> None:
    assert checker().knows("hyperglycaemic", "hyperglycaem")


def test_a_word_one_letter_off_a_corpus_word_is_known() -> None:
    assert checker().knows("astma", "astma")
    assert checker().knows("warfarine", "warfarin")


def test_a_word_the_corpus_never_uses_is_unknown() -> None:
    assert not checker().knows("zebrafish", "zebrafish")
    assert checker().unknown_terms("Is zebrafish oil safe with warfarin?") == ["zebrafish"]


def test_an_empty_corpus_knows_no_specific_word() -> None:
    empty = TermChecker.build([], common=[])

    assert not empty.knows("warfarin", "warfarin")
    assert not empty.begins_a_word("warf")
