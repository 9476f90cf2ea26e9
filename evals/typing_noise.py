"""Questions as people type them in a hurry: seeded misspellings, no capitals, no punctuation.

The development set writes each emergency in a few voices, a misspelled one among them, but a few hundred
cases cannot hold every slip a frightened parent makes. `noisy_variants` writes more of them from a case's
own words, so that a model trained on the tune half sees "vomitting", "breathign" and "stiff nek" beside the
spelling it was given, and a check can ask how a decision holds up when the words are mistyped.

A slip is one of what keyboards and phones produce: a letter dropped, two letters swapped, a letter
doubled, or a key next to the intended one. Short words, numbers and capitalised abbreviations are left
alone: "MI" mistyped is another abbreviation, not a slip.
"""

from __future__ import annotations

import random
import re

from service.triage.words import KEYS_BESIDE

__all__ = ["mistype", "noisy_variants"]

_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"[A-Za-z]+")
# Punctuation a hurried typist leaves out; a decimal point ("38.2") stays.
_PUNCTUATION = re.compile(r"[,;:!?()\"]|\.(?!\d)")
# Words this long or longer can be mistyped; shorter ones are mostly function words and abbreviations.
MIN_LETTERS = 4


def mistype(word: str, rng: random.Random) -> str:
    """One slip in a lower-case word of at least MIN_LETTERS letters (the word itself otherwise)."""
    if len(word) < MIN_LETTERS or not word.isalpha() or not word.islower():
        return word
    i = rng.randrange(1, len(word) - 1)  # first and last letters are the ones people get right
    slip = rng.choice(("drop", "swap", "double", "neighbour"))
    if slip == "drop":
        return word[:i] + word[i + 1 :]
    if slip == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if slip == "double":
        return word[:i] + word[i] + word[i:]
    beside = KEYS_BESIDE.get(word[i], "")
    return word[:i] + rng.choice(beside) + word[i + 1 :] if beside else word


def noisy_variants(question: str, count: int, seed: int, slip_rate: float = 0.25) -> list[str]:
    """`count` hurried retypings of a question, seeded by `seed` and the question itself.

    Each variant lower-cases what is not an abbreviation, mistypes about `slip_rate` of the longer words (at
    least one), and every other variant drops the punctuation.
    """
    rng = random.Random(f"{seed}:{question}")
    variants = []
    for n in range(count):
        typed = " ".join(t if _is_abbreviation(t) else t.lower() for t in _TOKEN.findall(question))
        words = [m for m in _WORD.finditer(typed) if len(m.group()) >= MIN_LETTERS and m.group().islower()]
        chosen = [m for m in words if rng.random() < slip_rate] or ([rng.choice(words)] if words else [])
        for m in sorted(chosen, key=lambda m: m.start(), reverse=True):  # from the end: offsets stay valid
            typed = typed[: m.start()] + mistype(m.group(), rng) + typed[m.end() :]
        if n % 2:
            typed = " ".join(_PUNCTUATION.sub("", typed).split())
        variants.append(typed)
    return variants


def _is_abbreviation(token: str) -> bool:
    letters = "".join(_WORD.findall(token))
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 2
