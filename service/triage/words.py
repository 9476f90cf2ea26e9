"""Word normalisation shared by the lexical checks (emergency, scope, unknown terms): one spelling per word."""

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
