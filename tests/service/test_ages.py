"""Ages and sex as clinicians and parents type them (service.triage.lexical_checks: question_band, populations,
named_sex)."""

from __future__ import annotations

from service.triage.lexical_checks import AgeBand, named_sex, populations, question_band


def test_ward_shorthand_gives_the_age() -> None:
    assert question_band("72F, UTI sx, which abx?") == AgeBand(72, 72.01)


def test_a_number_after_a_person_is_their_age() -> None:
    assert question_band("my daughter is 15, is fluoxetine ok?") == AgeBand(15, 15.01)


def test_a_child_given_by_age_alone_is_a_child() -> None:
    assert populations("shes 15 and just diagnosed") == {"children"}


def test_a_number_followed_by_a_unit_is_not_an_age() -> None:
    assert question_band("she is 15 weeks along, which antiemetic?") is None


def test_a_small_number_with_m_is_not_read_as_a_man() -> None:
    assert question_band("6m of symptoms, what next?") is None


def test_ward_shorthand_gives_the_sex() -> None:
    assert named_sex("72m, dysuria, which abx?") == "male"


def test_a_relative_gives_the_sex() -> None:
    assert named_sex("is nitrofurantoin ok for my husband?") == "male"


def test_a_question_naming_both_sexes_names_neither() -> None:
    assert named_sex("does this apply to men and women alike?") is None


def test_words_that_contain_a_sex_word_do_not_name_one() -> None:
    assert named_sex("how do we manage a human bite in summer season?") is None


def test_an_age_given_with_aged_is_read_in_its_unit() -> None:
    assert question_band("febrile, aged 4 months") == AgeBand(4 / 12, 4 / 12 + 0.01)
    assert question_band("aged 70 with AF") == AgeBand(70, 70.01)
