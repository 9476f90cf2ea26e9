"""Named conditions: what a question asks about, however ordinary the word (service.triage.conditions)."""

from __future__ import annotations

from service.triage.conditions import named_conditions, names_a_condition
from service.triage.scope import is_generic_medical_word


def test_a_condition_of_the_lexicon_is_named_in_either_number() -> None:
    assert names_a_condition("migraine")
    assert names_a_condition("migraines")


def test_an_organ_or_a_general_medical_word_names_no_condition() -> None:
    assert not names_a_condition("kidney")
    assert not names_a_condition("pain")


def test_the_word_before_disease_names_a_condition() -> None:
    assert named_conditions("kawasaki disease aspirin dose") == ["kawasaki"]
    assert named_conditions("lithium in bipolar disorder?") == ["bipolar"]


def test_the_possessive_before_disease_names_a_condition() -> None:
    # Normalised, "Parkinson's" is "parkinsons".
    assert named_conditions("haloperidol in someone with Parkinson's disease") == ["parkinsons"]


def test_an_organ_before_disease_names_no_condition() -> None:
    assert named_conditions("kidney disease and metformin") == []
    assert named_conditions("chronic heart disease") == []


def test_a_named_condition_is_no_generic_medical_word() -> None:
    assert is_generic_medical_word("patient")
    assert not is_generic_medical_word("migraine")


def test_a_supplement_or_recreational_drug_is_named_like_a_condition() -> None:
    assert named_conditions("is cranberry juice any good for cystitis") == ["cranberry", "cystitis"]
    assert names_a_condition("ketamine")
