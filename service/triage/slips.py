"""Slips of the keys corrected towards a small vocabulary: the words a question's frame and scope are read from.

Whether a question speaks of someone's present situation is read from a few hundred words ("my", "husband",
"just", "having"), matched exactly; so is a non-medical task ("write me a cover letter") or a rule change ("drop
the disclaimer"). A hurried "my husabnd has jsut collapsed" loses the frame, and with it the emergency, though
every symptom word was read; "wtite me a cover lettr" is no longer a task. `SlipCorrector` puts such a word back:
a word that is no ordinary English word, one edit (or a swap of neighbours) from exactly one word of the
vocabulary, with the same first letter, is read as that word. A word spelt right is never changed, and neither
is a word two vocabulary words are equally close to ("knon": "know" or "known").

`service.triage.emergency` corrects towards the cues that let an emergency through; `scope_slips` towards the
words of tasks, rule changes and general topics (`service.triage.scope.TASK_PATTERNS`, `GENERAL_TOPICS`,
`service.triage.rule_changes.RULE_PATTERNS`).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from functools import lru_cache

from service.triage.concepts import edit_distance, english_words
from service.triage.rule_changes import RULE_PATTERNS
from service.triage.scope import GENERAL_TOPICS, TASK_PATTERNS
from service.triage.words import deletions

__all__ = ["SlipCorrector", "TypingSlips", "pattern_words", "scope_slips"]

_LETTERS = re.compile(r"[A-Za-z]+")
# Shorter words leave too little to tell a slip from another word ("hes" and "has").
MIN_LETTERS = 4


def pattern_words(patterns: Iterable[re.Pattern[str]]) -> frozenset[str]:
    """The words of at least MIN_LETTERS letters that regular expressions spell out ("\\bknown\\b" -> "known")."""
    words: set[str] = set()
    for pattern in patterns:
        source = re.sub(r"\\[a-zA-Z]", " ", pattern.pattern)  # \b, \d, \s are not letters of a word
        words.update(re.findall(rf"[a-z]{{{MIN_LETTERS},}}", source))
    return frozenset(words)


class SlipCorrector:
    def __init__(self, vocabulary: Iterable[str], ordinary: frozenset[str]) -> None:
        """`vocabulary`: the words to correct towards; `ordinary`: words spelt right, never corrected."""
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= MIN_LETTERS)
        self.ordinary = ordinary
        self._by_deletion: dict[str, set[str]] = {}
        for word in self.vocabulary:
            for variant in deletions(word):
                self._by_deletion.setdefault(variant, set()).add(word)

    def correct(self, text: str) -> str:
        """`text` normalised (lower case, words separated by single spaces), its slips put back."""
        return " ".join(self.word(token) for token in text.split())

    def put_back(self, text: str) -> str:
        """`text` as typed, each slipped word replaced by its word in lower case; all else kept as it was."""
        return _LETTERS.sub(lambda m: _kept_or(m.group(), self.word(m.group().lower())), text)

    def word(self, token: str) -> str:
        if len(token) < MIN_LETTERS or token in self.vocabulary or token in self.ordinary or not token.isalpha():
            return token
        near = {
            word
            for variant in deletions(token)
            for word in self._by_deletion.get(variant, ())
            if word[0] == token[0] and edit_distance(token, word, 1) <= 1
        }
        return near.pop() if len(near) == 1 else token


@lru_cache(maxsize=1)
def scope_slips() -> SlipCorrector:
    """Slips of the words non-medical tasks and rule changes are read from ("wtite me a cover lettr", "drpp
    the disclaimer"), put back before the scope is judged."""
    return SlipCorrector(pattern_words((*TASK_PATTERNS, *RULE_PATTERNS)) | GENERAL_TOPICS, english_words())


class TypingSlips:
    """Slips of ordinary English words and of the corpus's words ("whaat", "sholud", "pstient", "obatruction"),
    put back before a question is read at all: the embedding model reads "csncer" as word pieces, not as
    "cancer". A word spelt as an English or corpus word is never changed, nor one that is a slip of no word or of
    two ("ferile": "fertile" or "febrile"); drug names and acronyms the corpus does not use are left to the checks
    that know them (`service.triage.lexical_checks`).

    Candidates are made from the typed word (every deletion, swap of neighbours, replacement and insertion) and
    looked up in the sets the index holds already: no index of the vocabulary's own variants, which for MedQuAD
    would hold about 100 MB."""

    _ALPHABET = "abcdefghijklmnopqrstuvwxyz"
    # Four letters leave too many words one slip apart ("diff" and "duff"), and clinicians' shorthand is that short.
    MIN_LETTERS = 5
    MIN_CORPUS_LETTERS = 6

    def __init__(self, corpus_words: Container[str]) -> None:
        self.english = english_words()
        self.corpus_words = corpus_words

    def put_back(self, text: str) -> str:
        """`text` as typed, each slipped word replaced by its word in lower case; all else kept as it was."""
        return _LETTERS.sub(lambda m: _kept_or(m.group(), self.word(m.group().lower())), text)

    def word(self, token: str) -> str:
        if len(token) < self.MIN_LETTERS or self._known(token):
            return token
        near = {w for w in self._edits(token) if w[0] == token[0] and self._target(w, token)}
        return near.pop() if len(near) == 1 else token

    def _known(self, word: str) -> bool:
        return word in self.english or word in self.corpus_words

    def _target(self, word: str, token: str) -> bool:
        # A short word of the corpus alone (an acronym: "hfref") is no target: "hfpef" is another thing.
        return word in self.english or (len(token) >= self.MIN_CORPUS_LETTERS and word in self.corpus_words)

    def _edits(self, word: str) -> set[str]:
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        return {
            *(a + b[1:] for a, b in splits if b),
            *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
            *(a + c + b[1:] for a, b in splits if b for c in self._ALPHABET if c != b[0]),
            *(a + c + b for a, b in splits for c in self._ALPHABET),
        }


def _kept_or(typed: str, word: str) -> str:
    return typed if word == typed.lower() else word
