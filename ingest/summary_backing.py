"""Which body claims back a sentence of an article's summary, so the summary can be quoted with citations.

An article's summary states its answer in a few sentences but cites nothing: each sentence restates claims
that the body makes with numbered citations. A summary passage may be quoted only when every one of its
sentences is backed by body claims, and it then cites exactly the references those claims cite.

Backing is lexical, so an editor can check it by reading: a sentence is backed when a few cited claims of the
same article together hold most of its content words (stemmed, stopwords aside), and every number it states
(a dose, a threshold, a time) appears in one of them. The claims are picked greedily, the one sharing the most
words not yet covered first, so the backing is a small set of claims and not every claim that shares a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.bm25 import query_tokens
from ingest.models import Claim

__all__ = ["MIN_COVERAGE", "Backing", "back_sentence", "passage_citations"]

# The share of a sentence's content words its backing claims must hold. At 0.6 a paraphrase that keeps the
# facts and changes the verbs is backed; a sentence adding a drug or a condition the body never names is not.
MIN_COVERAGE = 0.6
# A claim joins the backing only when it covers at least this many of the sentence's words still uncovered:
# one shared word ("sepsis") is the topic, not support.
MIN_CLAIM_GAIN = 2

# Words that carry no fact on their own, beyond the BM25 stopwords query_tokens already drops.
_FILLER = frozenset(
    query_tokens(
        "also all any because been both can could do does each either from has have its may more most less "
        "should than those when where which while who whose would usually often generally about after before "
        "during over under within per via first then only other some"
    )
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Backing:
    """The claims backing one summary sentence, and how much of the sentence they hold."""

    claims: tuple[Claim, ...]
    coverage: float
    unbacked_numbers: tuple[str, ...]

    @property
    def backed(self) -> bool:
        return self.coverage >= MIN_COVERAGE and not self.unbacked_numbers

    @property
    def citations(self) -> tuple[int, ...]:
        return tuple(sorted({n for claim in self.claims for n in claim.citations}))


def content_words(text: str) -> set[str]:
    return set(query_tokens(text)) - _FILLER


def numbers(text: str) -> set[str]:
    return {number.replace(",", ".") for number in _NUMBER.findall(text)}


def back_sentence(sentence: str, claims: Sequence[Claim]) -> Backing:
    """The smallest greedy set of cited claims holding the sentence's words, and the numbers no claim states."""
    cited = [(claim, content_words(claim.text), numbers(claim.text)) for claim in claims if claim.citations]
    wanted = content_words(sentence)
    left = set(wanted)
    chosen: list[tuple[Claim, set[str], set[str]]] = []
    while cited and left:
        best = max(cited, key=lambda entry: len(entry[1] & left))
        if len(best[1] & left) < MIN_CLAIM_GAIN:
            break
        chosen.append(best)
        left -= best[1]
    # A number is backed by a chosen claim, or else by the first claim that states it (which then joins).
    unbacked: list[str] = []
    for number in sorted(numbers(sentence)):
        if any(number in stated for _, _, stated in chosen):
            continue
        stating = next((entry for entry in cited if number in entry[2]), None)
        if stating is None:
            unbacked.append(number)
        else:
            chosen.append(stating)
    coverage = 1.0 - len(left) / len(wanted) if wanted else 0.0
    return Backing(claims=tuple(claim for claim, _, _ in chosen), coverage=coverage, unbacked_numbers=tuple(unbacked))


def passage_citations(sentences: Sequence[str], claims: Sequence[Claim]) -> tuple[int, ...]:
    """The references a summary passage may cite: those of its sentences' backing, or none unless all are backed."""
    backings = [back_sentence(sentence, claims) for sentence in sentences]
    if not backings or not all(b.backed for b in backings):
        return ()
    return tuple(sorted({n for b in backings for n in b.citations}))
