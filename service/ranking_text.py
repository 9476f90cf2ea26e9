"""The words the relevance model compares: content words, light stems, and abbreviations the corpus defines.

A question's content words are its words minus question words and function words ("what", "is",
"the", "for"), each cut to a light stem so "treatments" meets "treatment" and "infections" meets
"infection". Abbreviations are mined from the corpus itself: an article that writes
"low-molecular-weight heparin (LMWH)" teaches that "lmwh" and the words "low molecular weight heparin"
name the same thing, so a question using either form matches a passage using the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.models import Article

__all__ = ["Abbreviations", "content_words", "stem"]

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Question words, function words and the generic verbs of a question: they say how something is asked,
# not what it is about, so they never count as matching a passage.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing done during each else ever few for from further get gets
    give given had has have having he her here hers him his how i if in into is it its itself just me might
    more most much must my no nor not now of off on once only or other our out over own same she should so
    some such than that the their them then there these they this those through to too under until up upon
    us very was we were what when where which while who whom why will with would you your yours
    tell know known please thanks thank recommended recommend best used use using need needs way ways
    patient patients someone people person something anything""".split()
)
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "es", "ed", "ly", "s")
# "(LMWH)" after the words it abbreviates; the long form is taken from the words just before it.
_CLAUSE = re.compile(r"[^a-z\s]*[.,;:()\[\]/]+[^a-z\s]*|\s-\s")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_DEFINITION = re.compile(r"\(([A-Z][A-Za-z0-9-]{1,9})\)")


def stem(word: str) -> str:
    """A light suffix cut: enough to meet plural and verb forms, never shorter than four letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-cased words; hyphenated compounds are also split into their parts."""
    found: list[str] = []
    for word in _WORD.findall(text.lower()):
        found.append(word)
        if "-" in word:
            found.extend(word.split("-"))
    return found


def content_words(text: str) -> frozenset[str]:
    """The stems of the words that carry what `text` is about."""
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit() and len(w) > 1)


@dataclass
class Abbreviations:
    """Abbreviation -> the content words of its long form, and back, as the corpus defines them."""

    long_forms: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def mine(cls, articles: Iterable[Article]) -> Abbreviations:
        """A definition in brackets anywhere in an article wins; an abbreviation an article uses without
        defining it ("makes UTI likely") is matched to a run of words in its title, question, tags or
        headings whose initials spell it (only there: those are short, and name the article's subject)."""
        long_forms: dict[str, frozenset[str]] = {}
        undefined: list[tuple[str, Article]] = []
        for article in articles:
            text = " ".join([article.summary, *(c.text for s in article.sections for c in s.claims)])
            for match in _DEFINITION.finditer(text):
                short = match.group(1)
                preceding = text[max(0, match.start() - 100) : match.start()].split()[-8:]
                expansion = _expansion(preceding, short)
                if expansion and short.lower() not in long_forms:
                    long_forms[short.lower()] = expansion
            undefined += [(token, article) for token in set(_ACRONYM.findall(text))]
        for token, article in undefined:
            if token.lower() in long_forms:
                continue
            names = [article.title, article.question, *article.tags, *(s.heading for s in article.sections)]
            clauses = [clause.split() for name in names for clause in _CLAUSE.split(name.lower())]
            if expansion := _initials_run(clauses, token):
                long_forms[token.lower()] = expansion
        return cls(long_forms)

    def expand(self, terms: frozenset[str]) -> frozenset[str]:
        """The terms plus the other spelling of every abbreviation or long form among them."""
        extra: set[str] = set()
        for short, long_form in self.long_forms.items():
            if short in terms:
                extra |= long_form
            elif long_form <= terms:
                extra.add(short)
        return terms | extra


def _expansion(preceding: list[str], short: str) -> frozenset[str] | None:
    """The long form is the shortest run of preceding words whose initials spell the abbreviation."""
    letters = [c for c in short.lower() if c.isalpha()]
    if len(letters) < 2:
        return None
    parts = [p for w in preceding for p in re.split(r"[-\s]+", w.lower()) if p]
    for size in range(1, min(len(parts), len(letters) + 2) + 1):
        candidate = [p for p in parts[-size:] if p not in STOPWORDS]
        if len(candidate) == len(letters) and "".join(p[0] for p in candidate) == "".join(letters):
            return content_words(" ".join(candidate)) or None
    return None


def _initials_run(clauses: list[list[str]], short: str) -> frozenset[str] | None:
    """The first run of consecutive words (within one clause) whose initials spell `short`."""
    letters = short.lower()
    for run in clauses:
        initials = "".join(word[0] for word in run)
        at = initials.find(letters)
        while at >= 0:
            candidate = run[at : at + len(letters)]
            if all(len(word) > 2 and word.isalpha() for word in candidate):
                return content_words(" ".join(candidate))
            at = initials.find(letters, at + 1)
    return None
