"""Word normalisation shared by the lexical checks (emergency, scope, unknown terms): one spelling per word, and
the keyboard a slip comes from."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container


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


def one_edit_away(word: str, vocabulary: Container[str]) -> bool:
    """`word` is one letter deleted, inserted, changed or two swapped from a word of `vocabulary` ("sohuld",
    "yeaar", "cange"): a slip of that word. Some 50 look-ups a letter."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = (
        [a + b[1:] for a, b in splits if b]
        + [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
        + [a + c + b[1:] for a, b in splits if b for c in letters]
        + [a + c + b for a, b in splits for c in letters]
    )
    return any(edit != word and edit in vocabulary for edit in edits)
