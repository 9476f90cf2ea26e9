"""A BM25 index over the same passages as the dense index, saved beside it in each version.

bm25s builds and saves it at ingest (`build_bm25`). The read side (`Bm25Index`) is plain numpy over the
saved files: bm25s imports scipy, 16 MB of a serving process that never builds an index. The scores are
bm25s's own. Its saved matrix holds each (term, passage) score, one column per term, and a query's score for
a passage is the sum of its terms' columns, added in query order in float32, as `bm25s.BM25.get_scores`
adds them; the query is tokenised as `bm25s.tokenize` does (tests compare both with bm25s).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import Stemmer

__all__ = ["Bm25Index", "build_bm25", "query_tokens", "stemmer"]

# What `bm25s.tokenize(..., stopwords="en")` splits on and drops before stemming (bm25s.stopwords.STOPWORDS_EN).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)
# The files bm25s writes (`BM25.save`) and the scoring method they were built with.
_VOCAB, _PARAMS = "vocab.index.json", "params.index.json"
_COLUMNS = ("data", "indices", "indptr")
_METHOD = "lucene"

_stemmer: Stemmer.Stemmer | None = None


def stemmer() -> Stemmer.Stemmer:
    global _stemmer
    if _stemmer is None:
        _stemmer = Stemmer.Stemmer("english")
    return _stemmer


def build_bm25(texts: Sequence[str], directory: Path) -> None:
    """Index `texts` (row i is passage i of the version) and save to `directory`."""
    import bm25s  # ingest only: the read side below does without it (see the module docstring)

    tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer(), show_progress=False)
    index = bm25s.BM25(method=_METHOD)
    index.index(tokens, show_progress=False)
    index.save(str(directory))


class Bm25Index:
    """Read side: the saved score matrix, and every passage's score for a query (the service picks the top k)."""

    def __init__(self, directory: Path) -> None:
        params = json.loads((directory / _PARAMS).read_text(encoding="utf-8"))
        if params.get("method") != _METHOD:
            raise ValueError(f"{directory}: a {params.get('method')} BM25 index; this reader scores {_METHOD} only")
        self._passages = int(params["num_docs"])
        self._vocab: dict[str, int] = json.loads((directory / _VOCAB).read_text(encoding="utf-8"))
        self._data, self._indices, self._indptr = (
            np.load(directory / f"{name}.csc.index.npy", allow_pickle=False) for name in _COLUMNS
        )

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every passage (row order); all 0 when no word of the query is indexed."""
        scores = np.zeros(self._passages, dtype=np.float32)
        columns = np.array([c for c in (self._vocab.get(t) for t in query_tokens(query)) if c is not None], np.int64)
        for start, end in zip(self._indptr[columns].tolist(), self._indptr[columns + 1].tolist(), strict=True):
            np.add.at(scores, self._indices[start:end], self._data[start:end])
        return scores


def query_tokens(query: str) -> list[str]:
    """Lower-cased, stopword-free, stemmed words of at least two characters, as bm25s tokenises."""
    words = [w for w in _TOKEN.findall(query.lower()) if w not in STOPWORDS]
    return list(stemmer().stemWords(words))
