"""Questions retyped in a hurry (evals.typing_noise): seeded, one slip at least, abbreviations and numbers kept."""

from __future__ import annotations

import random

from evals.typing_noise import mistype, noisy_variants

QUESTION = "Sudden worst headache of my life, started while lifting. BP 190/110, temp 38.2 - CT first?"


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def test_a_slip_changes_a_word_by_one_or_two_edits() -> None:
    rng = random.Random(0)
    for _ in range(200):
        slipped = mistype("headache", rng)
        assert 0 < _edit_distance(slipped, "headache") <= 2  # a swap is two plain edits
        assert slipped[0] == "h"


def test_short_words_and_abbreviations_are_never_mistyped() -> None:
    rng = random.Random(0)
    assert mistype("bad", rng) == "bad"
    assert mistype("MSCC", rng) == "MSCC"


def test_the_same_seed_gives_the_same_retypings() -> None:
    assert noisy_variants(QUESTION, 4, seed=3) == noisy_variants(QUESTION, 4, seed=3)
    assert noisy_variants(QUESTION, 4, seed=3) != noisy_variants(QUESTION, 4, seed=4)


def test_every_retyping_differs_from_the_question_lower_cased() -> None:
    for variant in noisy_variants(QUESTION, 6, seed=1):
        assert variant != QUESTION.lower()


def test_retypings_keep_abbreviations_and_decimal_numbers() -> None:
    for variant in noisy_variants(QUESTION, 6, seed=1):
        assert "BP" in variant and "CT" in variant
        assert "38.2" in variant and "190/110" in variant


def test_every_other_retyping_drops_the_punctuation() -> None:
    first, second = noisy_variants(QUESTION, 2, seed=1)

    assert "," in first and "?" in first
    assert "," not in second and "?" not in second
