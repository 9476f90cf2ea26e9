"""Opposed forms of a thing, as a question and an article's heading name them (service.triage.subtypes)."""

from __future__ import annotations

from service.triage.subtypes import contrasting_subtypes, named_subtypes

UPPER_GI = "What is the initial management of acute upper gastrointestinal bleeding?"
CKD = "Are NSAIDs safe for pain in patients with chronic kidney disease?"


def test_a_qualifier_is_read_with_the_word_it_qualifies_in_the_words_an_article_writes() -> None:
    assert named_subtypes("a lower GI bleed") == {("lower", "gastrointestinal")}


def test_a_question_on_the_opposite_form_contrasts_with_the_article() -> None:
    assert contrasting_subtypes("what about a lower GI bleed?", UPPER_GI) == ["lower gastrointestinal"]


def test_a_question_on_the_same_form_does_not_contrast() -> None:
    assert contrasting_subtypes("upper GI bleed on apixaban", UPPER_GI) == []


def test_an_acute_injury_contrasts_with_a_chronic_disease_of_the_same_organ() -> None:
    assert contrasting_subtypes("NSAIDs in acute kidney injury?", CKD) == ["acute kidney"]


def test_acute_and_chronic_of_different_things_do_not_contrast() -> None:
    assert contrasting_subtypes("acute asthma in a patient on NSAIDs", CKD) == []


def test_hyphenated_and_american_spellings_name_the_same_subtype() -> None:
    heading = "Acute management of ischaemic stroke; community-acquired pneumonia"
    assert contrasting_subtypes("hemorrhagic stroke BP target?", heading) == ["haemorrhagic stroke"]
    assert contrasting_subtypes("hospital-acquired pneumonia abx?", heading) == ["hospital acquired"]


def test_a_question_naming_both_forms_contrasts_with_neither() -> None:
    assert contrasting_subtypes("is upper or lower GI bleeding more common?", UPPER_GI) == []


def test_a_thing_denied_contrasts_with_an_article_about_it() -> None:
    heading = "How should opioids be used for cancer pain?"
    assert contrasting_subtypes("what about chronic non-cancer back pain?", heading) == ["non cancer"]


def test_a_thing_denied_in_both_does_not_contrast() -> None:
    heading = "Treatment of uncomplicated lower urinary tract infection in non-pregnant women"
    assert contrasting_subtypes("first line in non-pregnant women?", heading) == []


HFREF = "How is heart failure with reduced ejection fraction treated?"


def test_an_ejection_fraction_of_50_or_more_is_the_preserved_form() -> None:
    assert contrasting_subtypes("they said my pumping is fine, EF 58%. which tablets?", HFREF) == ["preserved ejection"]


def test_an_ejection_fraction_called_normal_is_the_preserved_form() -> None:
    assert named_subtypes("beta blocker after the MI? EF is normal") == {("preserved", "ejection")}


def test_an_ejection_fraction_of_40_or_less_is_the_reduced_form() -> None:
    assert contrasting_subtypes("her ef is 35, which drugs?", HFREF) == []
    assert named_subtypes("her ef is 35, which drugs?") == {("reduced", "ejection")}


def test_a_mildly_reduced_ejection_fraction_names_neither_form() -> None:
    assert named_subtypes("EF of 45") == set()
