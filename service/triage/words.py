"""Word normalisation shared by the lexical checks (emergency, scope, unknown terms): one spelling per word, and
the keyboard a slip comes from."""

from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes removed, punctuation to spaces."""
    text = text.replace("’", "'")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_SOUNDS = (("ph", "f"), ("y", "i"), ("ck", "k"), ("ae", "e"), ("oe", "e"), ("th", "t"))


def fold_sounds(word: str) -> str:
    """Spellings that sound alike written alike: "anafilactic" and "anaphylactic" meet here."""
    for old, new in _SOUNDS:
        word = word.replace(old, new)
    return word


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# The keys beside each letter on a QWERTY keyboard, in its row: where a hurried finger lands instead.
KEYS_BESIDE: dict[str, str] = {
    row[i]: row[max(0, i - 1) : i] + row[i + 1 : i + 2] for row in _KEYBOARD_ROWS for i in range(len(row))
}


def deletions(word: str, depth: int = 1) -> set[str]:
    """The word and every string up to `depth` deletions from it: the neighbourhood typo look-ups meet in."""
    variants = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 1}
        variants |= frontier
    return variants
