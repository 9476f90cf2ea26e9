"""The words of a question read as clinical concepts: the typo-tolerant matcher emergencies are built on.

`find_concepts` reads a question as the concepts of `service.triage.symptom_concepts` it. Question
words are matched against concept terms exactly, by prefix ("breath" in "breathless") or within a small
edit distance (Damerau-Levenshtein: one edit for words of four to seven letters, two from eight letters
on), found through a deletion-neighbourhood index so that a request costs microseconds, not a scan of
every term. Words of refusal or inability ("can't", "won't", "isn't", "unable to") all read as "not", and
a concept right after "no", "without" or "denies" does not count. `service.triage.emergency` decides
what the concepts mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ingest.embedding import default_model_path
from service.triage.symptom_concepts import CONCEPTS
from service.triage.words import KEYS_BESIDE, deletions, fold_sounds, normalise

Terms = tuple[str, ...]

# Single words that are also ordinary words at one edit: never read them as a concept's typo.
_COMMON_WORDS = frozenset(
    "cooking looking booking hooking smoking strike stroll stoked stokes throne throw breast bread breed "
    "pail pain paid gain rain main wain hit fit kit sit wit bit fat fix head heat heal bleed blend "
    "blind bling feed feel fell fall bump pump lump dump last lost list fast past test best rest "
    "sick sock suck seek back pack bank sore sure more mode made wave save stop step shop".split()
)
# Refusal and inability, all one token: "can't breathe", "unable to breathe" and "isn't breathing" meet.
_NOT = re.compile(
    r"\b(cant|cannot|can not|couldnt|could not|wont|will not|wouldnt|would not|isnt|is not|arent|are not|doesnt|"
    r"does not|dont|do not|didnt|did not|hasnt|has not|havent|have not|wasnt|was not|unable to|not able to|"
    r"no longer|not)\b"
)
_NEGATORS = frozenset({"no", "never", "without", "denies", "denied", "nil", "negative"})
# How many other words may sit between two words of one concept term.
_GAP = 3


def concept_words(text: str) -> list[str]:
    """The normalised words of `text`, every word of refusal or inability read as "not"."""
    return _NOT.sub("not", normalise(text)).split()


@lru_cache(maxsize=1)
def _concept_terms() -> dict[str, tuple[Terms, ...]]:
    """Concept -> its alternatives, each a tuple of words, in the form questions are read in."""
    return {
        name: tuple(tuple(concept_words(alternative)) for alternative in spec.split("|") if alternative.strip())
        for name, spec in CONCEPTS.items()
    }


@lru_cache(maxsize=1)
def _alternatives_by_first_word() -> dict[str, tuple[tuple[str, Terms], ...]]:
    """First word of an alternative -> (concept, alternative): a question looks only at what its words begin."""
    index: dict[str, list[tuple[str, Terms]]] = {}
    for name, alternatives in _concept_terms().items():
        for alternative in alternatives:
            if alternative:
                index.setdefault(alternative[0], []).append((name, alternative))
    return {word: tuple(entries) for word, entries in index.items()}


def find_concepts(text: str) -> frozenset[str]:
    """The concepts `text` expresses; see the module docstring."""
    words = concept_words(text)
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        for term in _terms_for_word(word):
            positions.setdefault(term, []).append(position)
    by_first = _alternatives_by_first_word()
    found: set[str] = set()
    for term in positions:
        for name, alternative in by_first.get(term, ()):
            if name not in found and _occurs(alternative, positions, words):
                found.add(name)
    return frozenset(found)


def _occurs(terms: Terms, positions: dict[str, list[int]], words: list[str]) -> bool:
    """The terms occur in this order, at most _GAP words apart, and the first is not negated."""
    if not terms or terms[0] not in positions:
        return False
    for start in positions[terms[0]]:
        if terms[0] != "not" and _negated(words, start):
            continue
        last = start
        for term in terms[1:]:
            following = [p for p in positions.get(term, ()) if last < p <= last + _GAP + 1]
            if not following:
                break
            last = following[0]
        else:
            return True
    return False


def _negated(words: list[str], position: int) -> bool:
    before = words[max(0, position - 2) : position]
    return bool(before) and (before[-1] == "not" or any(word in _NEGATORS for word in before))


@lru_cache(maxsize=1)
def _term_index() -> tuple[frozenset[str], frozenset[str], dict[str, frozenset[str]]]:
    """(all terms, terms used alone, deletion neighbourhood -> terms) for fuzzy lookup."""
    terms: set[str] = set()
    single: set[str] = set()
    for alternatives in _concept_terms().values():
        for alternative in alternatives:
            terms.update(alternative)
            if len(alternative) == 1:
                single.add(alternative[0])
    neighbourhood: dict[str, set[str]] = {}
    for term in terms:
        for variant in deletions(fold_sounds(term), _allowed_edits(term)):
            neighbourhood.setdefault(variant, set()).add(term)
    return frozenset(terms), frozenset(single), {k: frozenset(v) for k, v in neighbourhood.items()}


def _allowed_edits(term: str) -> int:
    """Edits a misspelling of `term` may have: none up to three letters, one up to seven, then two."""
    if len(term) <= 3:
        return 0
    return 1 if len(term) <= 7 else 2


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole words of the embedding model's WordPiece vocabulary: a word spelt right, so never a typo."""
    try:
        path = Path(default_model_path()) / "vocab.txt"
        with path.open(encoding="utf-8") as handle:
            return frozenset(token for token in (line.strip() for line in handle) if token.isalpha())
    except (ImportError, OSError):
        return frozenset()


@lru_cache(maxsize=65536)
def _terms_for_word(word: str) -> frozenset[str]:
    terms, single, neighbourhood = _term_index()
    found = {word} & terms
    for term in terms:
        if len(term) >= 5 and word.startswith(term) and _is_ending(word[len(term) :]):
            found.add(term)
    # A word spelt right is that word: "never" is not a typo of "fever", nor "heartburn" a form of "heart".
    if word in _COMMON_WORDS or len(word) < 3 or word in english_words():
        return frozenset(found)
    folded = fold_sounds(word)
    candidates: set[str] = set()
    for variant in deletions(folded, 2):
        candidates |= neighbourhood.get(variant, frozenset())
    for term in candidates - found:
        allowed = _allowed_edits(term)
        # A term used alone has nothing to corroborate it: short ones may not be misspelt.
        if term in single and len(term) < 6:
            continue
        # Four letters leave little room: "can" is not "cant", "take" not "wake". Only slips that keep every
        # letter in sight still spell the term: two neighbours swapped ("pian"), a doubled letter dropped
        # ("kil") or doubled ("sidde"), or a key beside the right one ("bpne").
        if len(term) == 4 and not _keeps_a_short_term(word, folded, term):
            continue
        if allowed and edit_distance(folded, fold_sounds(term), allowed) <= allowed:
            found.add(term)
    return frozenset(found)


_ENDINGS = frozenset(
    "s es e ed d ing ings er ers y ly less lessness ness ful ish ic al ally ive ion ions ation ations ity ies ied "
    "ened en ening ening ence ent ents ated ating".split()
)


def _is_ending(rest: str) -> bool:
    """What may follow a term for the word to be a form of it: "breath" -> "breathless", not "heart" -> "heartburn"."""
    return rest in _ENDINGS


def _keeps_a_short_term(word: str, folded: str, term: str) -> bool:
    """A slip of a four-letter term that keeps it recognisable (see `_terms_for_word`)."""
    if sorted(word) == sorted(term) or _drops_doubled_letter(folded, term):
        return True
    if len(word) == len(term) + 1 and any(
        word[i] == word[i + 1] and word[:i] + word[i + 1 :] == term for i in range(len(term))
    ):
        return True
    differs = [i for i in range(len(term)) if len(word) == len(term) and word[i] != term[i]]
    return len(differs) == 1 and differs[0] > 0 and word[differs[0]] in KEYS_BESIDE.get(term[differs[0]], "")


def _drops_doubled_letter(word: str, term: str) -> bool:
    """ "kil" for "kill": one letter of a doubled pair left out."""
    return any(term[i] == term[i + 1] and term[:i] + term[i + 1 :] == word for i in range(len(term) - 1))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def concept_terms() -> Iterable[str]:
    """All words the concept lexicon is made of (for documentation and tests)."""
    return sorted(_term_index()[0])
