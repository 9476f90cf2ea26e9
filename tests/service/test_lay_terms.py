"""Lay words for clinical things (service.triage.lay_terms)."""

from __future__ import annotations

from service.triage.lay_terms import CLINICAL_WORDS, as_typed, in_clinical_words, is_lay_medical


def test_a_lay_phrase_is_followed_by_the_clinical_words_for_it() -> None:
    question = "how long will my mum be on blood thinners after her clot"
    assert in_clinical_words(question) == f"{question} (anticoagulant)"


def test_a_question_without_lay_words_is_unchanged() -> None:
    assert in_clinical_words("anticoagulation duration after PE?") == "anticoagulation duration after PE?"


def test_clinical_words_the_question_already_uses_are_not_added_again() -> None:
    question = "falls in older people: does falling over at home need a review?"
    assert in_clinical_words(question) == question


def test_a_lay_symptom_is_a_medical_word() -> None:
    assert is_lay_medical("is it normal for my dad to be a bit muddled after his operation")


def test_everyday_words_are_not_lay_medical_words() -> None:
    assert not is_lay_medical("who won the cup final on saturday")


def test_a_lay_word_is_spoken_of_by_its_clinical_words() -> None:
    assert CLINICAL_WORDS["thinners"] == ("anticoagulant",)


def test_clinicians_shorthand_is_written_out() -> None:
    assert in_clinical_words("first line treatment of C diff infection").endswith("(Clostridioides difficile)")


def test_the_clinical_words_added_are_taken_off_again_for_the_checks_on_what_was_asked() -> None:
    question = "What dose of colchicine is used for a gout flare?"
    assert as_typed(in_clinical_words(question)) == question


def test_a_bracket_the_user_typed_is_kept() -> None:
    assert as_typed("nitrates in ACS (acute coronary syndrome)?") == "nitrates in ACS (acute coronary syndrome)?"


def test_only_clinical_words_the_corpus_uses_are_added() -> None:
    question = "tranexamic acid for heavy periods"
    assert in_clinical_words(question, known={"tranexamic", "acid"}) == question


def test_ward_shorthand_is_searched_with_the_name_the_articles_use() -> None:
    question = in_clinical_words("should i add gent?", known={"gentamicin", "aminoglycoside"})

    assert question == "should i add gent? (gentamicin)"
    assert as_typed(question) == "should i add gent?"


def test_shorthand_is_searched_with_the_first_other_name_the_corpus_knows() -> None:
    assert in_clinical_words("norad via a peripheral line?", known={"norepinephrine"}).endswith("(norepinephrine)")
