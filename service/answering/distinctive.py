"""Which of the question's words tell the retrieved passages apart, and how much of them each passage holds.

Retrieval finds passages about the question's topic; within that topic, the words that decide which passage
answers are the ones few candidates share. In "first line for uncomplicated UTI in women", every passage of
the UTI article speaks of UTI and women: "first line" is what was asked, and only the First-Line Treatment
section (its heading, a few of its bullets) says it. Corpus-wide BM25 weighs those words by their rarity in
the whole corpus, where "UTI" is rare and "first" is common, and the embedding hardly weighs them at all.

So each of the question's content words (stemmed, as the relevance features compare them) is weighted by
its rarity among the candidates themselves, log(candidates / candidates holding it) (a word in every
candidate, or in none, decides nothing), and a passage's distinctive cover is the share of that weight its
text and its section heading hold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from service.handoffs import Passage
from service.retrieval.features import content_stems

__all__ = ["distinctive_cover"]


def distinctive_cover(question: str, passages: Sequence[Passage]) -> list[float]:
    """Per passage (in order), the share of the question's distinctive weight that its text and heading hold."""
    asked = content_stems(question)
    if not asked or len(passages) < 2:
        return [0.0] * len(passages)
    headings: dict[tuple[str, str], set[str]] = {}
    held = []
    for passage in passages:
        chunk = passage.chunk
        heading = headings.setdefault((chunk.article_id, chunk.section), content_stems(chunk.section))
        held.append(asked & (content_stems(chunk.text) | heading))
    count = len(passages)
    weights = {}
    for stem in asked:
        holding = sum(stem in words for words in held)
        if 0 < holding < count:
            weights[stem] = math.log(count / holding)
    total = sum(weights.values())
    if total == 0:
        return [0.0] * count
    return [sum(weights.get(stem, 0.0) for stem in words) / total for words in held]
