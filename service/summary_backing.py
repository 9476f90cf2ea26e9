"""Which references back an article's summary: the summary restates the body, and the body cites.

A summary passage cites nothing of its own (it is the article's opening paragraph), so the composer
could never quote it, although it often states the answer in one sentence. Each of its sentences is
matched to the body passages of the same article that say the same thing: among the passages closest
by embedding, a greedy cover takes those that add most of the sentence's content words, until most of
its words are found. Only when every sentence is backed that way does the passage get the union of
those passages' references, so an answer quoting it cites what the body cites for the same statements;
a summary passage with any unbacked sentence stays unquotable.
"""

from __future__ import annotations

import numpy as np

from ingest.chunking import SUMMARY_SECTION, split_sentences
from service.index import LoadedIndex
from service.ranking_text import content_words

__all__ = ["summary_citations"]

# A sentence is backed when the chosen body passages hold at least this share of its content words...
MIN_SHARE = 0.6
# ...using at most MAX_BACKING of the NEAREST body passages (by embedding) at least MIN_SIMILARITY similar.
MAX_BACKING = 3
NEAREST = 8
MIN_SIMILARITY = 0.45


def summary_citations(index: LoadedIndex) -> dict[int, tuple[int, ...]]:
    """Row of each backed summary passage -> the reference numbers of the body passages that back it."""
    backed: dict[int, tuple[int, ...]] = {}
    for rows in index.article_rows.values():
        summary = [r for r in rows if index.chunks[r].section == SUMMARY_SECTION]
        body = np.array([r for r in rows if index.chunks[r].citations], dtype=np.int64)
        if not summary or not len(body):
            continue
        body_words = [content_words(index.chunks[r].text) for r in body]
        for row in summary:
            citations = _backing(index, row, body, body_words)
            if citations:
                backed[row] = citations
    return backed


def _backing(index: LoadedIndex, row: int, body: np.ndarray, body_words: list[frozenset[str]]) -> tuple[int, ...]:
    similarity = index.vectors[body] @ index.vectors[row]
    near = [int(i) for i in np.argsort(-similarity)[:NEAREST] if similarity[i] >= MIN_SIMILARITY]
    citations: list[int] = []
    for sentence in split_sentences(index.chunks[row].text):
        wanted = content_words(sentence)
        if not wanted:
            continue
        found: set[str] = set()
        used: list[int] = []
        # Greedy cover: each step takes the near passage that adds the most of the sentence's words.
        while len(found) < MIN_SHARE * len(wanted) and len(used) < MAX_BACKING:
            gains = [(len((body_words[i] & wanted) - found), i) for i in near if i not in used]
            gain, best = max(gains, default=(0, -1))
            if gain == 0:
                break
            found |= body_words[best] & wanted
            used.append(best)
        if len(found) < MIN_SHARE * len(wanted):
            return ()
        for i in used:
            citations += [n for n in index.chunks[int(body[i])].citations if n not in citations]
    return tuple(citations)
