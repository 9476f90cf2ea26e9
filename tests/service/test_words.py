"""Word-level helpers the lexical checks share (service.triage.words)."""

from __future__ import annotations

import pytest

from service.triage.words import one_edit_away

ORDINARY = frozenset({"should", "year", "change", "does"})


@pytest.mark.parametrize("slip", ["sohuld", "yeaar", "cange", "dors"])
def test_a_swap_an_extra_a_missing_or_a_changed_letter_is_one_edit_away(slip: str) -> None:
    assert one_edit_away(slip, ORDINARY)


def test_a_word_is_not_one_edit_from_itself() -> None:
    assert not one_edit_away("should", frozenset({"should"}))


def test_a_word_two_edits_away_is_not_a_slip() -> None:
    assert not one_edit_away("shdluo", ORDINARY)
