"""A BM25 index (bm25s) over the same passages as the dense index, saved beside it in each version."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_stemmer: Stemmer.Stemmer | None = None


def stemmer() -> Stemmer.Stemmer:
    global _stemmer
    if _stemmer is None:
        _stemmer = Stemmer.Stemmer("english")
    return _stemmer


def build_bm25(texts: Sequence[str], directory: Path) -> None:
    """Index `texts` (row i is passage i of the version) and save to `directory`."""
    tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer(), show_progress=False)
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    index.save(str(directory))


class Bm25Index:
    """Read side: loads a saved index and scores every passage for a query (the service selects the top k)."""

    def __init__(self, directory: Path) -> None:
        self._index = bm25s.BM25.load(str(directory), mmap=False)

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every passage (row order), for scoring a candidate set."""
        return np.asarray(self._index.get_scores(query_tokens(query)), dtype=np.float32)


def query_tokens(query: str) -> list[str]:
    """Stemmed, stopword-free tokens as strings; words unknown to the index are simply ignored."""
    tokenized = bm25s.tokenize([query], stopwords="en", stemmer=stemmer(), show_progress=False, return_ids=False)
    return list(tokenized[0])
