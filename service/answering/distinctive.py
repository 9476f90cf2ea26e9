"""Which of the question's words tell the retrieved passages apart, and how much of them each passage holds.

Retrieval finds passages about the question's topic; within that topic, the words that decide which passage
answers are the ones few candidates share. In "first line for uncomplicated UTI in women", every passage of
the UTI article speaks of UTI and women: "first line" is what was asked, and only the First-Line Treatment
section (its heading, a few of its bullets) says it. Corpus-wide BM25 weighs those words by their rarity in
the whole corpus, where "UTI" is rare and "first" is common, and the embedding hardly weighs them at all.

So each of the question's terms is weighted by its rarity among the candidates themselves,
log(candidates / candidates holding it) (a term in every candidate, or in none, decides nothing), and a
passage's distinctive cover is the share of that weight its text and its section heading hold. The terms are
the question's content words, stemmed as the relevance features compare them, and each pair of neighbouring
ones: "first line" is a phrase, and a passage saying "the first antibiotic" and "second-line" holds both
words but not the phrase.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from ingest.bm25 import stemmer
from service.handoffs import Passage
from service.retrieval.features import STOPWORDS

__all__ = ["distinctive_cover", "terms"]

_WORD = re.compile(r"[a-z0-9]+")


# Passages recur across questions (the same article's bullets), so their terms are kept: about 10 MB when full.
_KEPT_TEXTS = 4096


@lru_cache(maxsize=_KEPT_TEXTS)
def terms(text: str) -> frozenset[str]:
    """The stemmed content words of `text` and each pair of them side by side ("first line")."""
    words = _WORD.findall(text.casefold())
    stems = stemmer().stemWords(words)
    kept = [(word not in STOPWORDS, stem) for word, stem in zip(words, stems, strict=True)]
    # A phrase is two content words side by side: "first line", not "UTI in women".
    return frozenset(stem for content, stem in kept if content) | {
        f"{a} {b}" for (a_content, a), (b_content, b) in pairwise(kept) if a_content and b_content
    }


@lru_cache(maxsize=_KEPT_TEXTS)
def _sorted_words(text: str) -> tuple[str, ...]:
    """The stemmed content words of `text`, sorted: a word a stem begins is found by bisection."""
    return tuple(sorted(t for t in terms(text) if " " not in t))


# A stem this long that begins a passage's word is that word: the stemmer leaves derivations apart ("treat" and
# "treatment", "rehab" and "rehabilit"); shorter stems would find other words ("line" in "linezolid").
_PREFIX_FROM = 5


def _held(asked: frozenset[str], text: str) -> frozenset[str]:
    """The asked terms `text` holds: a term it has, or a long enough stem one of its words begins with."""
    has = terms(text)
    return frozenset(t for t in asked if t in has or (len(t) >= _PREFIX_FROM and _begins_a_word(t, text)))


def _begins_a_word(stem: str, text: str) -> bool:
    words = _sorted_words(text)
    at = bisect.bisect_left(words, stem)
    return at < len(words) and words[at].startswith(stem)


def distinctive_cover(question: str, passages: Sequence[Passage]) -> list[float]:
    """Per passage (in order), the share of the question's distinctive weight that its text and heading hold."""
    asked = terms(question)
    if not asked or len(passages) < 2:
        return [0.0] * len(passages)
    held = [_held(asked, p.chunk.text) | _held(asked, p.chunk.section) for p in passages]
    count = len(passages)
    weights = {}
    for term in asked:
        holding = sum(term in found for found in held)
        if 0 < holding < count:
            weights[term] = math.log(count / holding)
    total = sum(weights.values())
    if total == 0:
        return [0.0] * count
    return [sum(weights.get(term, 0.0) for term in found) / total for found in held]
