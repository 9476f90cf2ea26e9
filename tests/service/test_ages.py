"""Ages as clinicians and parents type them (service.triage.lexical_checks: question_band, populations)."""

from __future__ import annotations

from service.triage.lexical_checks import AgeBand, populations, question_band


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
